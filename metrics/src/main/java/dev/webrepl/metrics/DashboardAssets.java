package dev.webrepl.metrics;

import dev.webrepl.core.resources.ClasspathFiles;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's and the recording player's files, read once from the classpath: our pages,
 * scripts and styles, uPlot's script and style from its WebJar, and xterm.js's from its. uPlot's version is read from the WebJar's own
 * {@code pom.properties}, so the build's dependency is the only place it is written down, and the
 * page refers to stable paths that do not change with it.
 */
final class DashboardAssets {
    /** A file to serve: its bytes and content type. */
    record Asset(byte[] bytes, String contentType) {
    }

    private static final String OURS = "dev/webrepl/metrics/dashboard/";
    private static final String PLAYER = "dev/webrepl/metrics/player/";

    private final String uplotVersion;
    private final Map<String, Asset> byPath;

    DashboardAssets(ClassLoader loader) {
        this.uplotVersion = ClasspathFiles.npmWebJarVersion(loader, "uplot");
        String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion + "/dist/";
        // The recording player's terminal: xterm.js, the WebJar the browser client uses too.
        String xterm = "META-INF/resources/webjars/xterm/" + ClasspathFiles.npmWebJarVersion(loader, "xterm") + "/";
        this.byPath = Map.ofEntries(
                Map.entry("/recordings/play", read(loader, PLAYER + "index.html", "text/html; charset=utf-8")),
                Map.entry("/recordings/player.js", read(loader, PLAYER + "player.js", "text/javascript; charset=utf-8")),
                Map.entry("/recordings/player.css", read(loader, PLAYER + "player.css", "text/css; charset=utf-8")),
                Map.entry("/recordings/xterm.js", read(loader, xterm + "lib/xterm.js", "text/javascript; charset=utf-8")),
                Map.entry("/recordings/xterm.css", read(loader, xterm + "css/xterm.css", "text/css; charset=utf-8")),
                Map.entry("/dashboard", read(loader, OURS + "index.html", "text/html; charset=utf-8")),
                Map.entry("/dashboard/dashboard.js", read(loader, OURS + "dashboard.js", "text/javascript; charset=utf-8")),
                Map.entry("/dashboard/dashboard.css", read(loader, OURS + "dashboard.css", "text/css; charset=utf-8")),
                Map.entry("/dashboard/uPlot.iife.min.js", read(loader, uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8")),
                Map.entry("/dashboard/uPlot.min.css", read(loader, uplot + "uPlot.min.css", "text/css; charset=utf-8")));
    }

    String uplotVersion() {
        return uplotVersion;
    }

    Optional<Asset> find(String path) {
        return Optional.ofNullable(byPath.get(path));
    }

    private static Asset read(ClassLoader loader, String resource, String contentType) {
        return new Asset(ClasspathFiles.read(loader, resource), contentType);
    }
}
