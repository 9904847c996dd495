package dev.hpa.adapter.prometheus;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * A bearer token kept in a file that something else rotates (a projected service-account token, a Secret
 * volume): read again whenever its modification time, size or inode changes (a rename over it), so a new token is used from the next query
 * on. A stat per query, at most one query per metric and namespace a second: cheap enough for the event loop.
 */
final class TokenFile {

    private final Path path;
    private FileTime readModified;
    private long readSize = -1;
    private Object readKey;
    private String token;

    TokenFile(Path path) {
        this.path = path;
    }

    synchronized String current() throws IOException {
        BasicFileAttributes file = Files.readAttributes(path, BasicFileAttributes.class);
        if (token == null || !file.lastModifiedTime().equals(readModified) || file.size() != readSize
                || !Objects.equals(file.fileKey(), readKey)) {
            String read = Files.readString(path, StandardCharsets.UTF_8).strip();
            if (read.isEmpty()) {
                throw new IOException(path + " is empty");
            }
            token = read;
            readModified = file.lastModifiedTime();
            readSize = file.size();
            readKey = file.fileKey();
        }
        return token;
    }

    Path path() {
        return path;
    }
}
