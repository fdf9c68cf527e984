package dev.webrepl.engines.sandbox;

import java.util.Locale;

/**
 * What one sandboxed session may use (README "Sandbox and limits"); 0 means no limit for each.
 *
 * @param memoryBytes resident memory of all the session's processes (cgroup memory; RLIMIT_AS per process otherwise)
 * @param cpus CPU time in cores (cgroup cpu quota; not enforced without cgroups)
 * @param processes processes and threads at once (cgroup pids; RLIMIT_NPROC in the sandbox's user namespace otherwise)
 * @param openFiles open files per process (RLIMIT_NOFILE, always an rlimit)
 */
public record SandboxLimits(long memoryBytes, double cpus, int processes, int openFiles) {
    /** The defaults of {@code webrepl serve}: 512 MiB, one core, 128 processes, 256 open files. */
    public static final SandboxLimits DEFAULTS = new SandboxLimits(512L << 20, 1.0, 128, 256);
    /** No limit at all. */
    public static final SandboxLimits NONE = new SandboxLimits(0, 0, 0, 0);

    public SandboxLimits {
        if (memoryBytes < 0 || cpus < 0 || Double.isNaN(cpus) || processes < 0 || openFiles < 0) {
            throw new IllegalArgumentException("limits must not be negative: " + memoryBytes + " bytes, " + cpus
                    + " cpus, " + processes + " processes, " + openFiles + " files");
        }
        if (cpus > 0 && cpus < 0.01) {
            throw new IllegalArgumentException("--limit-cpu must be 0 (none) or at least 0.01 cores: " + cpus);
        }
    }

    /** What a session ends with when it passes its memory limit: {@code memory limit 512 MiB reached}. */
    public String memoryReason() {
        return "memory limit " + bytes(memoryBytes) + " reached";
    }

    /** {@code 512 MiB}, {@code 1.5 GiB}, {@code 64 KiB}, {@code 100 bytes}. */
    public static String bytes(long n) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v)) + " " + units[u];
    }

    /** Parses {@code 512m}, {@code 1g}, {@code 65536}, {@code 64k} (binary units), or {@code 0}. */
    public static long parseBytes(String s) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)([kKmMgG]?)(i?[bB])?").matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: " + s + " (e.g. 512m, 1g)");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size too large: " + s);
        }
        return n << shift;
    }
}
