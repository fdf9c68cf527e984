package dev.webrepl.engines.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which cgroup hierarchy the sandbox takes, and why none when it takes none (README "Sandbox and
 * limits"): {@link Cgroups#open} reads a {@code /proc/self} the test writes, over hierarchies the
 * test makes or the machine's own. The limits written into a session's groups are read back on the
 * machine's real hierarchy, v1 or v2, whichever it has (the other version's test is skipped there:
 * these machines mount v1, so the v2 one runs only on a v2 machine).
 */
class CgroupsTest {
    private static final SandboxLimits LIMITS = new SandboxLimits(48L << 20, 0.5, 32, 0);

    @TempDir
    Path dir;

    /** A {@code /proc/self} whose mountinfo has {@code mounts} (lines after the fields) and whose cgroup file is {@code own}. */
    private Path procSelf(List<String> mounts, List<String> own) throws IOException {
        Path proc = Files.createDirectories(dir.resolve("proc-self"));
        StringBuilder mountinfo = new StringBuilder();
        int id = 100;
        for (String m : mounts) {
            mountinfo.append(id++).append(" 31 0:").append(id).append(' ').append(m).append('\n');
        }
        Files.writeString(proc.resolve("mountinfo"), mountinfo, StandardCharsets.UTF_8);
        Files.writeString(proc.resolve("cgroup"), String.join("\n", own) + "\n", StandardCharsets.UTF_8);
        return proc;
    }

    @Test
    void aV2HierarchyWithoutTheMemoryControllerMeansRlimitsAndSaysWhy() throws IOException {
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "cpuset cpu io pids\n");
        Path proc = procSelf(List.of("/ " + unified + " rw,relatime - cgroup2 cgroup2 rw"), List.of("0::/"));

        Cgroups.Result r = Cgroups.open("webrepl-1", proc);

        assertEquals(Optional.empty(), r.cgroups());
        assertEquals("no cgroup v1 memory and pids hierarchy; cgroup v2 " + unified + " lacks the memory controller",
                r.problem());
        assertFalse(Files.exists(unified.resolve("webrepl-1")), "nothing made");
    }

    @Test
    void aV2GroupThatCannotDelegateItsControllersMeansRlimitsAndLeavesNothing() throws IOException {
        // The kernel refuses +memory in a group that holds processes (a systemd service's own group): here the
        // file is missing, which fails the same write.
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Path own = Files.createDirectories(unified.resolve("system.slice/web.service"));
        Files.writeString(own.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Path proc = procSelf(List.of("/ " + unified + " rw,relatime - cgroup2 cgroup2 rw"),
                List.of("0::/system.slice/web.service"));

        Cgroups.Result r = Cgroups.open("webrepl-1", proc);

        assertEquals(Optional.empty(), r.cgroups());
        assertEquals("no cgroup v1 memory and pids hierarchy; cgroup v2 " + own + " not usable: cannot write "
                + "+memory +pids +cpu to " + own.resolve("cgroup.subtree_control") + ": no such file", r.problem());
        assertFalse(Files.exists(own.resolve("webrepl-1")), "nothing made");
    }

    @Test
    void aV1HierarchyThatIsNotWritableAndNoV2MeansRlimits() throws IOException {
        // A mount point that is a file: making the server's group under it fails as a read-only hierarchy does.
        Path memory = Files.writeString(dir.resolve("memory"), "");
        Path pids = Files.createDirectories(dir.resolve("pids"));
        // pids first: its group is made, then memory's fails, and pids' must go again.
        Path proc = procSelf(List.of("/ " + pids + " rw - cgroup cgroup rw,pids",
                "/ " + memory + " rw - cgroup cgroup rw,memory"), List.of("8:pids:/", "4:memory:/"));

        Cgroups.Result r = Cgroups.open("webrepl-1", proc);

        assertEquals(Optional.empty(), r.cgroups());
        assertTrue(r.problem().startsWith("cgroup v1 not writable: "), r.problem());
        assertTrue(r.problem().endsWith("; no cgroup v2"), r.problem());
        try (var left = Files.list(pids)) {
            assertEquals(List.of(), left.toList(), "the pids group made first is removed again");
        }
    }

    @Test
    void withoutV1MemoryAndPidsAndWithoutV2ThereAreNoCgroups() throws IOException {
        Path cpu = Files.createDirectories(dir.resolve("cpu"));
        Path proc = procSelf(List.of("/ " + cpu + " rw - cgroup cgroup rw,cpu"), List.of("1:cpu:/"));

        assertEquals(new Cgroups.Result(Optional.empty(), "no cgroup v1 memory and pids hierarchy; no cgroup v2"),
                Cgroups.open("webrepl-1", proc));
    }

    @Test
    void theMachinesOwnV2MountWithoutControllersIsFoundAndSkipped() throws IOException {
        // This machine's hybrid layout: cgroup2 mounted at /sys/fs/cgroup/unified with its controllers bound to v1.
        Optional<String> line = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(" - cgroup2 ")).findFirst();
        assumeTrue(line.isPresent(), "no cgroup2 mount here");
        String[] f = line.get().split(" - ", 2)[0].split(" ");
        Path mount = Path.of(f[4]);
        String controllers = Files.readString(mount.resolve("cgroup.controllers")).trim();
        assumeTrue(!List.of(controllers.split(" ")).contains("memory"), "a v2 with memory: the v2 test below runs");
        Path proc = procSelf(List.of(f[3] + " " + mount + " rw - cgroup2 cgroup2 rw"), List.of("0::/"));

        assertEquals(new Cgroups.Result(Optional.empty(), "no cgroup v1 memory and pids hierarchy; cgroup v2 " + mount
                + " lacks the memory controller"), Cgroups.open("webrepl-1", proc));
    }

    @Test
    void onAV1MachineASessionsGroupsGetTheLimits() throws IOException {
        Cgroups.Result r = Cgroups.open("webrepl-" + ProcessHandle.current().pid());
        assumeTrue(r.cgroups().isPresent() && r.cgroups().get().describe().equals("cgroup v1"), "no writable v1: " + r);
        Cgroups cgroups = r.cgroups().get();
        Cgroups.Group g = cgroups.create("t", LIMITS);
        try {
            List<Path> dirs = g.procsFiles().stream().map(Path::getParent).toList();
            assertEquals(String.valueOf(48L << 20), read(dirs, "memory.limit_in_bytes"));
            assertEquals("32", read(dirs, "pids.max"));
            assertEquals("100000", read(dirs, "cpu.cfs_period_us"));
            assertEquals("50000", read(dirs, "cpu.cfs_quota_us"));
        } finally {
            g.close();
        }
        assertTrue(g.procsFiles().stream().noneMatch(Files::exists), "the session's groups are removed");
    }

    @Test
    void onAV2MachineASessionsGroupGetsTheLimits() throws IOException {
        Cgroups.Result r = Cgroups.open("webrepl-" + ProcessHandle.current().pid());
        assumeTrue(r.cgroups().isPresent() && r.cgroups().get().describe().equals("cgroup v2"),
                "no writable v2 with memory, pids and cpu here (this machine: " + r + ")");
        Cgroups.Group g = r.cgroups().get().create("t", LIMITS);
        try {
            List<Path> dirs = g.procsFiles().stream().map(Path::getParent).toList();
            assertEquals(1, dirs.size(), "one group in the unified hierarchy");
            assertEquals(String.valueOf(48L << 20), read(dirs, "memory.max"));
            assertEquals("32", read(dirs, "pids.max"));
            assertEquals("50000 100000", read(dirs, "cpu.max"));
        } finally {
            g.close();
        }
        assertTrue(g.procsFiles().stream().noneMatch(Files::exists), "the session's group is removed");
    }

    /** {@code file}'s value in whichever of {@code dirs} has it. */
    private static String read(List<Path> dirs, String file) throws IOException {
        for (Path d : dirs) {
            if (Files.exists(d.resolve(file))) {
                return Files.readString(d.resolve(file)).trim();
            }
        }
        throw new AssertionError("no " + file + " in " + dirs);
    }
}
