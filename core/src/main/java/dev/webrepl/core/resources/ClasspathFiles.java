package dev.webrepl.core.resources;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Files the server serves from its jar (the browser client's and the dashboard's pages, and the
 * WebJars they use), read once at start; a missing file is a packaging error and fails loudly.
 */
public final class ClasspathFiles {
    private ClasspathFiles() {
    }

    /** The whole of {@code resource}. */
    public static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = open(loader, resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    /**
     * The version of the npm WebJar {@code artifact}, from its own {@code pom.properties}: the build's
     * dependency stays the only place a version is written down.
     */
    public static String npmWebJarVersion(ClassLoader loader, String artifact) {
        String resource = "META-INF/maven/org.webjars.npm/" + artifact + "/pom.properties";
        Properties pom = new Properties();
        try (InputStream in = open(loader, resource)) {
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
        String version = pom.getProperty("version");
        if (version == null || version.isBlank()) {
            throw new IllegalStateException(resource + " names no version");
        }
        return version.strip();
    }

    private static InputStream open(ClassLoader loader, String resource) throws IOException {
        InputStream in = loader.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("not on the classpath: " + resource);
        }
        return in;
    }
}
