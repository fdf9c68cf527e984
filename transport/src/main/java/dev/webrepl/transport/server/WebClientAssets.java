package dev.webrepl.transport.server;

import static dev.webrepl.core.resources.ClasspathFiles.npmWebJarVersion;
import static dev.webrepl.core.resources.ClasspathFiles.read;

import dev.webrepl.core.resources.ClasspathFiles;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The browser client's files, read once from the classpath: our page, script and style, and
 * xterm.js and its fit addon from their WebJars. The WebJars' versions are read from their own
 * {@code pom.properties}, so the build's dependency is the only place they are written down, and
 * the page refers to stable paths under {@code /assets/}. The icon is ours too (an SVG, and an ICO of
 * the same drawing for {@code /favicon.ico}).
 *
 * <p>The same approach as the admin dashboard's {@code DashboardAssets} (module {@code metrics});
 * both read through {@link ClasspathFiles}.
 */
final class WebClientAssets {
    /** A file to serve: its bytes and content type. */
    record Asset(byte[] bytes, String contentType) {
    }

    private static final String OURS = "dev/webrepl/transport/web/";
    private static final String JS = "text/javascript; charset=utf-8";
    private static final String CSS = "text/css; charset=utf-8";
    private static final String SVG = "image/svg+xml";
    private static final String ICO = "image/x-icon";
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
        String xterm = "META-INF/resources/webjars/xterm/" + npmWebJarVersion(loader, "xterm") + "/";
        String fit = "META-INF/resources/webjars/xterm-addon-fit/" + npmWebJarVersion(loader, "xterm-addon-fit") + "/";
        this.byPath = Map.of(
                "/assets/webrepl.js", new Asset(read(loader, OURS + "webrepl.js"), JS),
                "/assets/webrepl.css", new Asset(read(loader, OURS + "webrepl.css"), CSS),
                // The page's icon (its <link rel="icon">), and the same at the path browsers try by default.
                "/assets/favicon.svg", new Asset(read(loader, OURS + "favicon.svg"), SVG),
                "/favicon.ico", new Asset(read(loader, OURS + "favicon.ico"), ICO),
                "/assets/xterm.js", new Asset(read(loader, xterm + "lib/xterm.js"), JS),
                "/assets/xterm.css", new Asset(read(loader, xterm + "css/xterm.css"), CSS),
                "/assets/xterm-addon-fit.js", new Asset(read(loader, fit + "lib/xterm-addon-fit.js"), JS));
    }

    /** The page, the same for {@code /}, {@code /session/ID} and {@code /session/ID?mode=view}. */
    Asset page() {
        return page;
    }

    /** A file under {@code /assets/}, or {@code /favicon.ico}; else empty (404). */
    Optional<Asset> find(String path) {
        return Optional.ofNullable(byPath.get(path));
    }
}
