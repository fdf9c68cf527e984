package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.webrepl.engines.jshell.ChildClasses;
import dev.webrepl.transport.client.ReplConnection;
import dev.webrepl.transport.client.WebReplClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --jshell-class-archive} through served sessions (README "Child JVMs"): with the defaults the
 * first session's child JVM makes the server make the archive, and a session started after that runs
 * in a child that maps it; {@code false} makes none. The directory goes with the server.
 */
@Timeout(180)
class ChildClassesServeTest {
    private static final String MAPS = "Files.readString(Path.of(\"/proc/self/maps\")).contains(\"child.jsa\")\r";

    @TempDir
    Path dir;

    /** Serves {@code options}; the first session says whether its child maps an archive, then the second does. */
    private List<String> twoSessions(boolean awaitArchive, String... options) throws Exception {
        ServeCommand cmd = new ServeCommand();
        CommandLine cl = new CommandLine(cmd);
        cl.setOut(new PrintWriter(new StringWriter(), true));
        cl.parseArgs(Stream.concat(Stream.of("--port", "0", "--no-admin", "--root", dir.toString(), "--password",
                "secret"), Stream.of(options)).toArray(String[]::new));
        Path directory = null;
        List<String> result;
        try (MonitoredServer server = cmd.start();
             WebReplClient client = WebReplClient.newBuilder().build()) {
            ChildClasses classes = cmd.childClasses().orElseThrow();
            String first = mapsArchive(client, server.server().port());
            directory = classes.directory().orElseThrow();
            Optional<Path> made = classes.made().get(2, TimeUnit.MINUTES);
            assertEquals(awaitArchive, made.isPresent());
            String second = mapsArchive(client, server.server().port());
            try (Stream<Path> files = Files.list(directory)) {
                result = Stream.concat(Stream.of(first, second),
                        files.map(p -> p.getFileName().toString()).sorted()).collect(Collectors.toList());
            }
        } finally {
            cmd.closeEngines();
        }
        assertFalse(Files.exists(directory), "the directory is deleted with the engines");
        return result;
    }

    private static String mapsArchive(WebReplClient client, int port) throws Exception {
        try (ReplConnection c = client.connect("127.0.0.1", port, "secret").get(30, TimeUnit.SECONDS)) {
            DefaultJShellCliTest.Typist screen = new DefaultJShellCliTest.Typist(c);
            screen.await("jshell> ");
            return screen.type(MAPS);
        }
    }

    @Test
    void byDefaultTheFirstSessionsChildMakesTheArchiveAndTheNextSessionsChildMapsIt() throws Exception {
        assertEquals(List.of(MAPS.replace("\r", "\r\n") + "$1 ==> false\r\njshell> ",
                MAPS.replace("\r", "\r\n") + "$1 ==> true\r\njshell> ", "agent.jar", "child.jsa"), twoSessions(true));
    }

    @Test
    void falseMakesNoArchive() throws Exception {
        assertEquals(List.of(MAPS.replace("\r", "\r\n") + "$1 ==> false\r\njshell> ",
                MAPS.replace("\r", "\r\n") + "$1 ==> false\r\njshell> ", "agent.jar"),
                twoSessions(false, "--jshell-class-archive", "false"));
    }
}
