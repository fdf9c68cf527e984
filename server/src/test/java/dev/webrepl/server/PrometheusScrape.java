package dev.webrepl.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One scrape in the Prometheus text format (0.0.4), parsed into series: {@code name{labels} value}
 * lines become a name, a label map and a value; comments ({@code # HELP}, {@code # TYPE}) and blank
 * lines are skipped. Enough for the format Micrometer writes; not a general parser (no timestamps,
 * no exemplars).
 */
final class PrometheusScrape {
    /** One line of the scrape. */
    record Series(String name, Map<String, String> labels, double value) {
    }

    private final List<Series> series;

    private PrometheusScrape(List<Series> series) {
        this.series = series;
    }

    static PrometheusScrape parse(String text) {
        List<Series> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            out.add(parseLine(line));
        }
        return new PrometheusScrape(Collections.unmodifiableList(out));
    }

    private static Series parseLine(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        Map<String, String> labels = new TreeMap<>();
        String name;
        int rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            rest = parseLabels(line, brace + 1, labels);
        } else {
            name = line.substring(0, space);
            rest = space;
        }
        String value = line.substring(rest).trim();
        int blank = value.indexOf(' ');
        if (blank >= 0) {
            value = value.substring(0, blank);  // a timestamp would follow; Micrometer writes none
        }
        return new Series(name, Collections.unmodifiableMap(labels), parseValue(value, line));
    }

    /** Reads {@code a="x",b="y"}} from {@code i}; returns the index after the closing brace. */
    private static int parseLabels(String line, int i, Map<String, String> labels) {
        while (line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq).trim();
            if (line.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("label without quotes: " + line);
            }
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            for (char c = line.charAt(j); c != '"'; c = line.charAt(++j)) {
                if (c == '\\') {
                    char e = line.charAt(++j);
                    v.append(e == 'n' ? '\n' : e);
                } else {
                    v.append(c);
                }
            }
            labels.put(key, v.toString());
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return i + 1;
    }

    private static double parseValue(String v, String line) {
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad value in: " + line, e);
                }
            }
        };
    }

    /** Every series name in the scrape (with its {@code _total}, {@code _bucket}, ... suffix as written). */
    Set<String> names() {
        Set<String> names = new TreeSet<>();
        for (Series s : series) {
            names.add(s.name());
        }
        return names;
    }

    List<Series> series() {
        return series;
    }

    /**
     * The value of the one series named {@code name} whose labels include {@code labels} (pairs of
     * key, value); fails if there is none or more than one.
     */
    double value(String name, String... labels) {
        List<Series> found = find(name, labels);
        if (found.size() != 1) {
            throw new AssertionError((found.isEmpty() ? "no series " : "several series ") + describe(name, labels)
                    + (found.isEmpty() ? "" : ": " + found));
        }
        return found.get(0).value();
    }

    /** The sum over every series named {@code name} whose labels include {@code labels}; 0 if none. */
    double sum(String name, String... labels) {
        double total = 0;
        for (Series s : find(name, labels)) {
            total += s.value();
        }
        return total;
    }

    /** True if a series named {@code name} with {@code labels} exists. */
    boolean has(String name, String... labels) {
        return !find(name, labels).isEmpty();
    }

    private List<Series> find(String name, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in pairs");
        }
        Map<String, String> wanted = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        List<Series> found = new ArrayList<>();
        for (Series s : series) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(wanted.entrySet())) {
                found.add(s);
            }
        }
        return found;
    }

    private static String describe(String name, String... labels) {
        StringBuilder b = new StringBuilder(name).append('{');
        for (int i = 0; i < labels.length; i += 2) {
            b.append(i == 0 ? "" : ",").append(labels[i]).append("=\"").append(labels[i + 1]).append('"');
        }
        return b.append('}').toString();
    }
}
