package dev.webrepl.loadtest.generator;

import com.fasterxml.jackson.jr.ob.JSON;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Writes {@code report.json} and {@code report.html} into a directory. The HTML is self-contained
 * (opened from a file, offline): uPlot's script and style are read from its WebJar on the classpath
 * and inlined, as is the report's data; the page makes no request at all.
 */
public final class ReportWriter {
    private static final String TEMPLATE = "dev/webrepl/loadtest/generator/report.html";
    private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

    private final ClassLoader loader;

    public ReportWriter(ClassLoader loader) {
        this.loader = loader;
    }

    /** Writes both files, creating {@code dir} if needed; returns the HTML file. */
    public Path write(LoadReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        String json = JSON.std.with(JSON.Feature.PRETTY_PRINT_OUTPUT).asString(report.data());
        Files.writeString(dir.resolve("report.json"), json + "\n", StandardCharsets.UTF_8);
        String uplot = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        String html = read(TEMPLATE)
                .replace("/*UPLOT_CSS*/", inlineSafe(read(uplot + "uPlot.min.css")))
                .replace("/*UPLOT_JS*/", inlineSafe(read(uplot + "uPlot.iife.min.js")))
                .replace("/*REPORT_DATA*/", inlineSafe(JSON.std.asString(report.data())));
        Path out = dir.resolve("report.html");
        Files.writeString(out, html, StandardCharsets.UTF_8);
        return out;
    }

    /** Inside a script or style element only {@code </} could end it early. */
    private static String inlineSafe(String text) {
        return text.replace("</", "<\\/");
    }

    private String uplotVersion() throws IOException {
        Properties pom = new Properties();
        try (InputStream in = open(UPLOT_POM)) {
            pom.load(in);
        }
        String v = pom.getProperty("version");
        if (v == null || v.isBlank()) {
            throw new IOException(UPLOT_POM + " names no version");
        }
        return v.strip();
    }

    private String read(String resource) throws IOException {
        try (InputStream in = open(resource)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private InputStream open(String resource) throws IOException {
        InputStream in = loader.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("not on the classpath: " + resource);
        }
        return in;
    }
}
