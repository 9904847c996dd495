package dev.hpa.adapter.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@code .github/workflows/release.yml} publishes is what {@code manifests/} installs: the image name and tag,
 * and the entrypoint Jib builds into it (the Dockerfile's too) is the Deployment's command. The workflow itself needs
 * a registry and cannot run here; its version check can, and does.
 */
class ReleaseTest {

    static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

    @BeforeEach
    void kubectlOnPath() {
        Assumptions.assumeTrue(ManifestsTest.onPath("kubectl"),
                "kubectl not on PATH: install it (e.g. Debian's kubernetes-client) to check the release against manifests/");
    }

    @Test
    void manifestsInstallTheImageTheReleasePushes() throws Exception {
        Properties p = applicationProperties();
        String image = p.getProperty("quarkus.container-image.registry") + "/" + p.getProperty("quarkus.container-image.group")
                + "/" + p.getProperty("quarkus.container-image.name") + ":" + releaseVersion();
        Container adapter = installedContainer();
        assertEquals(image, adapter.getImage(), "manifests/base/deployment.yaml must name the image the release pushes"
                + " (quarkus.container-image.* in application.properties, tagged with the project version)");
    }

    @Test
    void theDeploymentRunsTheEntrypointBuiltIntoTheImage() throws Exception {
        List<String> jib = Arrays.asList(applicationProperties().getProperty("quarkus.jib.jvm-entrypoint").split(","));
        assertEquals(jib, installedContainer().getCommand(),
                "the Deployment's command must be quarkus.jib.jvm-entrypoint, so that the pod runs what the image does");
        Matcher entrypoint = Pattern.compile("(?m)^ENTRYPOINT\\s+(\\[.*])\\s*$")
                .matcher(Files.readString(ROOT.resolve("src/main/docker/Dockerfile.jvm")));
        assertTrue(entrypoint.find(), "src/main/docker/Dockerfile.jvm has no ENTRYPOINT [ ... ] line");
        assertEquals(jib, Serialization.unmarshal(entrypoint.group(1), List.class),
                "src/main/docker/Dockerfile.jvm must have the entrypoint the Jib image has");
    }

    @Test
    void theReleaseCheckAcceptsThisVersionAndExplainsAMismatch() throws Exception {
        String version = releaseVersion();
        Result ok = check("v" + version);
        assertEquals(0, ok.exit(), ok.output());

        String other = version + ".1";
        Result wrong = check("v" + other);
        assertNotEquals(0, wrong.exit(), "a tag of another version must stop the release:\n" + wrong.output());
        assertTrue(wrong.output().contains("the tag says " + other) && wrong.output().contains(":" + other),
                "the check must name the pom's and the manifests' mismatch:\n" + wrong.output());
    }

    static Container installedContainer() throws Exception {
        return ManifestsTest.adapterContainer(ManifestsTest.deployment(ManifestsTest.kustomize(ROOT, "manifests")));
    }

    /** The project version without -SNAPSHOT: what the next release tag will say. */
    static String releaseVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>hpa-metrics-adapter</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(ROOT.resolve("pom.xml")));
        assertTrue(m.find(), "pom.xml: no <version> after <artifactId>hpa-metrics-adapter</artifactId>");
        return m.group(1).replaceFirst("-SNAPSHOT$", "");
    }

    static Properties applicationProperties() throws IOException {
        Properties p = new Properties();
        try (var in = Files.newInputStream(ROOT.resolve("src/main/resources/application.properties"))) {
            p.load(in);
        }
        return p;
    }

    record Result(int exit, String output) {
    }

    static Result check(String tag) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", ".github/release/check-version.sh", tag).directory(ROOT.toFile())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "check-version.sh did not finish in 60 s");
        return new Result(process.exitValue(), output);
    }
}
