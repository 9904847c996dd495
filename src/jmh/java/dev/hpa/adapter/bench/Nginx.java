package dev.hpa.adapter.bench;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Debian's nginx serving one static file for every path over HTTPS: the reference for benchmark 1. Same TLS
 * versions and the same kind of key (EC P-256) as the adapter; one worker per core; no access log (the adapter
 * keeps none either); keep-alive connections never closed by request count, like the adapter's.
 */
final class Nginx implements AutoCloseable {

    final int port;
    private final Process process;

    Nginx(Path dir, Path file) throws Exception {
        port = Fleet.freePort();
        Path[] pair = Certificates.serving(dir);
        Path prefix = Files.createDirectories(dir.resolve("nginx"));
        Path conf = prefix.resolve("nginx.conf");
        Files.writeString(conf, """
                worker_processes auto;
                error_log %1$s/error.log warn;
                pid %1$s/nginx.pid;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/tmp; proxy_temp_path %1$s/tmp; fastcgi_temp_path %1$s/tmp;
                    uwsgi_temp_path %1$s/tmp; scgi_temp_path %1$s/tmp;
                    keepalive_requests 10000000;
                    keepalive_timeout 75s;
                    server {
                        listen 127.0.0.1:%2$d ssl;
                        ssl_certificate %3$s;
                        ssl_certificate_key %4$s;
                        ssl_protocols TLSv1.2 TLSv1.3;
                        location / {
                            default_type application/json;
                            root %5$s;
                            try_files /%6$s =404;
                        }
                    }
                }
                """.formatted(prefix, port, pair[0], pair[1], file.getParent(), file.getFileName()));
        process = Children.start(List.of("nginx", "-p", prefix.toString(), "-c", conf.toString(), "-g",
                "daemon off;"), Map.of(), prefix.resolve("stdout.log"));
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("nginx did not start; see " + prefix + "/error.log and "
                            + prefix + "/stdout.log");
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close() {
        Children.stop(process);
    }
}
