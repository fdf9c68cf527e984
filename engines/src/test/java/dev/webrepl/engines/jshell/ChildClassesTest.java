package dev.webrepl.engines.jshell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jshell.SnippetEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The child JVMs' class path and class archive ({@link ChildClasses}, issue #20): made on first use
 * by a child of its own, moved into place in one step, mapped by the children started after it.
 */
class ChildClassesTest {
    /** What a child JVM says when asked whether it maps the archive (it reads its own memory map). */
    private static final String MAPS_ARCHIVE = "Files.readString(Path.of(\"/proc/self/maps\")).contains(\"child.jsa\")";

    @TempDir
    Path parent;

    private static String value(JShellInstance instance, String source) {
        List<SnippetEvent> events = instance.eval(source, () -> false);
        SnippetEvent last = events.get(events.size() - 1);
        assertEquals(null, last.exception(), source);
        return last.value();
    }

    private static Set<String> files(Path directory) throws Exception {
        try (Stream<Path> list = Files.list(directory)) {
            return list.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void theFirstChildMakesTheArchiveAndTheChildrenStartedAfterItMapIt() throws Exception {
        try (ChildClasses classes = ChildClasses.create(parent, true)) {
            assertEquals(Set.of(), files(parent));
            assertFalse(classes.made().isDone(), "made before anything asked for it");
            JShellConfig config = JShellConfig.defaults().withChildClasses(classes);

            try (JShellInstance first = JShellInstance.start(config)) {
                Path directory = classes.directory().orElseThrow();
                assertEquals(Set.of(directory.getFileName().toString()), files(parent));
                assertEquals("\"" + directory.resolve("agent.jar") + "\"",
                        value(first, "System.getProperty(\"java.class.path\")"));
                try (JarFile jar = new JarFile(directory.resolve("agent.jar").toFile())) {
                    assertEquals(List.of("dev/webrepl/engines/jshell/ExecutionAgent.class"),
                            jar.stream().map(e -> e.getName()).collect(Collectors.toList()));
                }
                Optional<Path> made = classes.made().get(2, TimeUnit.MINUTES);
                assertEquals(Optional.of(directory.resolve("child.jsa")), made);
                assertEquals(Set.of("agent.jar", "child.jsa"), files(directory)); // no part left behind
                assertTrue(Files.size(made.get()) > 0);
                assertEquals("false", value(first, MAPS_ARCHIVE)); // started before it was made
                assertEquals("2", value(first, "1 + 1"));

                assertEquals(List.of("-Xmx128m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                        "-XX:+UnlockDiagnosticVMOptions", "-XX:ArchiveRelocationMode=0", "-XX:+UseSerialGC",
                        "-XX:-UsePerfData", "-XX:SharedArchiveFile=" + made.get()), classes.launch(config).options());
                try (JShellInstance second = JShellInstance.start(config)) {
                    assertEquals("true", value(second, MAPS_ARCHIVE));
                    assertEquals("\"cba\"", value(second, "new StringBuilder(\"abc\").reverse().toString()"));
                }
            }
            assertTrue(Files.isDirectory(classes.directory().orElseThrow()));
        }
        try (Stream<Path> left = Files.list(parent)) {
            assertEquals(List.of(), left.collect(Collectors.toList()), "the directory is deleted at close");
        }
    }

    @Test
    void optionsThatTurnClassSharingOffGetNoArchiveAndTheChildrenStillStart() throws Exception {
        try (ChildClasses classes = ChildClasses.create(parent, true)) {
            JShellConfig config = JShellConfig.defaults().withChildClasses(classes)
                    .withRemoteVmOptions(List.of("-Xmx64m", "-Xshare:off"));
            try (JShellInstance instance = JShellInstance.start(config)) {
                assertEquals(Optional.empty(), classes.made().get(1, TimeUnit.MINUTES));
                assertEquals("false", value(instance, MAPS_ARCHIVE));
            }
            assertEquals(Set.of("agent.jar"), files(classes.directory().orElseThrow()));
            assertEquals(List.of("-Xmx64m", "-Xshare:off"), classes.launch(config).options());
        }
    }

    @Test
    void withoutArchivingTheChildrenRunFromTheAgentsJarAlone() throws Exception {
        try (ChildClasses classes = ChildClasses.create(parent, false)) {
            JShellConfig config = JShellConfig.defaults().withChildClasses(classes);
            try (JShellInstance instance = JShellInstance.start(config)) {
                assertEquals(Optional.empty(), classes.made().get(1, TimeUnit.MINUTES));
                assertEquals("\"" + classes.directory().orElseThrow().resolve("agent.jar") + "\"",
                        value(instance, "System.getProperty(\"java.class.path\")"));
            }
            assertEquals(Set.of("agent.jar"), files(classes.directory().orElseThrow()));
        }
    }

    @Test
    void closingWhileTheArchiveIsMadeEndsItsChildAndLeavesNothing() throws Exception {
        Path running = parent.resolve("running");
        ChildClasses classes = ChildClasses.create(parent, true);
        // The archiving child runs the start-up too: this one says it runs, then never ends.
        JShellConfig config = JShellConfig.defaults().withChildClasses(classes).withStartup(List.of(
                "var ran = java.nio.file.Files.writeString(java.nio.file.Path.of(\"" + running + "\"), \"\");",
                "while (true) { Thread.sleep(1000); }"));
        long before = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count();

        classes.launch(config); // the first use
        assertTrue(Terminal.await(() -> Files.exists(running), Duration.ofMinutes(2)), "the archiving child did not start");
        assertEquals(before + 1, ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count());
        classes.close();

        assertEquals(Optional.empty(), classes.made().getNow(null));
        assertTrue(Terminal.await(() -> ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count()
                == before, Duration.ofSeconds(20)), "the archiving child JVM was left running");
        assertEquals(Set.of("running"), files(parent));
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("jshell-class-archive")),
                "the maker thread was left running");
    }
}
