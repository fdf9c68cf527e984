package dev.webrepl.metrics;

import dev.webrepl.core.resources.ClasspathFiles;
import java.util.Map;
import java.util.Optional;

/**
 * The dashboard's files, read once from the classpath: our page, script and style, and uPlot's
 * script and style from its WebJar. uPlot's version is read from the WebJar's own
 * {@code pom.properties}, so the build's dependency is the only place it is written down, and the
 * page refers to stable paths that do not change with it.
 */
final class DashboardAssets {
    /** A file to serve: its bytes and content type. */
    record Asset(byte[] bytes, String contentType) {
    }

    private static final String OURS = "dev/webrepl/metrics/dashboard/";

    private final String uplotVersion;
    private final Map<String, Asset> byPath;

    DashboardAssets(ClassLoader loader) {
        this.uplotVersion = ClasspathFiles.npmWebJarVersion(loader, "uplot");
        String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion + "/dist/";
        this.byPath = Map.of(
                "/dashboard", read(loader, OURS + "index.html", "text/html; charset=utf-8"),
                "/dashboard/dashboard.js", read(loader, OURS + "dashboard.js", "text/javascript; charset=utf-8"),
                "/dashboard/dashboard.css", read(loader, OURS + "dashboard.css", "text/css; charset=utf-8"),
                "/dashboard/uPlot.iife.min.js", read(loader, uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"),
                "/dashboard/uPlot.min.css", read(loader, uplot + "uPlot.min.css", "text/css; charset=utf-8"));
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
