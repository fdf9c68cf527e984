package dev.webrepl.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

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
    private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    private final String uplotVersion;
    private final Map<String, Asset> byPath;

    DashboardAssets(ClassLoader loader) {
        this.uplotVersion = uplotVersion(loader);
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

    private static String uplotVersion(ClassLoader loader) {
        Properties pom = new Properties();
        try (InputStream in = open(loader, UPLOT_POM)) {
            pom.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + UPLOT_POM, e);
        }
        String version = pom.getProperty("version");
        if (version == null || version.isBlank()) {
            throw new IllegalStateException(UPLOT_POM + " names no version");
        }
        return version.strip();
    }

    private static Asset read(ClassLoader loader, String resource, String contentType) {
        try (InputStream in = open(loader, resource)) {
            return new Asset(in.readAllBytes(), contentType);
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
