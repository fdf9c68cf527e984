package dev.webrepl.transport.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The browser client's files, read once from the classpath: our page, script and style, and
 * xterm.js and its fit addon from their WebJars. The WebJars' versions are read from their own
 * {@code pom.properties}, so the build's dependency is the only place they are written down, and
 * the page refers to stable paths under {@code /assets/}.
 *
 * <p>The same approach as the admin dashboard's {@code DashboardAssets} (module {@code metrics}),
 * duplicated in small: neither module may depend on the other.
 */
final class WebClientAssets {
    /** A file to serve: its bytes and content type. */
    record Asset(byte[] bytes, String contentType) {
    }

    private static final String OURS = "dev/webrepl/transport/web/";
    private static final String JS = "text/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";
    /** Where the page learns the session linger (reconnects give up after it); see index.html. */
    private static final String LINGER_PLACEHOLDER = "{{LINGER_MS}}";

    private final Asset page;
    private final Map<String, Asset> byPath;

    /** @param linger how long a session outlives its last terminal: the page's reconnect budget */
    WebClientAssets(ClassLoader loader, Duration linger) {
        String html = new String(read(loader, OURS + "index.html"), StandardCharsets.UTF_8);
        if (!html.contains(LINGER_PLACEHOLDER)) {
            throw new IllegalStateException(OURS + "index.html has no " + LINGER_PLACEHOLDER);
        }
        this.page = new Asset(html.replace(LINGER_PLACEHOLDER, Long.toString(linger.toMillis()))
                .getBytes(StandardCharsets.UTF_8), "text/html; charset=utf-8");
        String xterm = "META-INF/resources/webjars/xterm/" + webJarVersion(loader, "xterm") + "/";
        String fit = "META-INF/resources/webjars/xterm-addon-fit/" + webJarVersion(loader, "xterm-addon-fit") + "/";
        this.byPath = Map.of(
                "/assets/webrepl.js", new Asset(read(loader, OURS + "webrepl.js"), JS),
                "/assets/webrepl.css", new Asset(read(loader, OURS + "webrepl.css"), CSS),
                "/assets/xterm.js", new Asset(read(loader, xterm + "lib/xterm.js"), JS),
                "/assets/xterm.css", new Asset(read(loader, xterm + "css/xterm.css"), CSS),
                "/assets/xterm-addon-fit.js", new Asset(read(loader, fit + "lib/xterm-addon-fit.js"), JS));
    }

    /** The page, the same for {@code /}, {@code /session/ID} and {@code /session/ID?mode=view}. */
    Asset page() {
        return page;
    }

    /** A file under {@code /assets/}, or empty (404). */
    Optional<Asset> find(String path) {
        return Optional.ofNullable(byPath.get(path));
    }

    private static String webJarVersion(ClassLoader loader, String artifact) {
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

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = open(loader, resource)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    private static InputStream open(ClassLoader loader, String resource) throws IOException {
        InputStream in = loader.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("not on the classpath: " + resource);
        }
        return in;
    }
}
