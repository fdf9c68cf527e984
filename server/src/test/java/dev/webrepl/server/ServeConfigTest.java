package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** serve's options from flags, then $WEBREPL_<NAME>, then the --config file, then built-in defaults. */
class ServeConfigTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private ServeCommand parse(Map<String, String> environment, String... args) {
        return CapturedCli.parseServe(out, err, environment, args);
    }

    private Path config(String... lines) throws IOException {
        return Files.write(dir.resolve("webrepl.properties"), List.of(lines), StandardCharsets.UTF_8);
    }

    /** Runs {@code webrepl serve args} (errors stop it before it listens) and returns its exit code. */
    private int execute(Map<String, String> environment, String... args) {
        return ServeDefaults.install(CapturedCli.printingTo(new CommandLine(new ServeCommand()), out, err), environment)
                .execute(args);
    }

    @Test
    void withoutEnvironmentOrFileTheBuiltInDefaultsHold() {
        ServeCommand cmd = parse(Map.of());
        assertEquals(8266, cmd.port);
        assertEquals(1000, cmd.maxSessions);
        assertEquals(List.of(), cmd.allowedOrigins);
        assertFalse(cmd.strictOrigin);
        assertEquals(Duration.ofSeconds(60), cmd.linger);
        assertNull(cmd.config);
    }

    @Test
    void theConfigFileIsKeyedByTheLongOptionNameWithoutDashes() throws IOException {
        Path file = config("# a comment", "port=9001", "max-sessions=10", "allowed-origin=https://a.example,https://b.example",
                "strict-origin=true", "linger=5m");
        ServeCommand cmd = parse(Map.of(), "--config", file.toString());
        assertEquals(9001, cmd.port);
        assertEquals(10, cmd.maxSessions);
        assertEquals(List.of("https://a.example", "https://b.example"), cmd.allowedOrigins);
        assertTrue(cmd.strictOrigin);
        assertEquals(Duration.ofMinutes(5), cmd.linger);
        assertEquals(32, cmd.maxTerminals);   // not in the file: built-in
    }

    @Test
    void theEnvironmentBeatsTheConfigFile() throws IOException {
        Path file = config("port=9001", "max-sessions=10", "allowed-origin=https://a.example", "strict-origin=true",
                "linger=5m");
        ServeCommand cmd = parse(Map.of("WEBREPL_PORT", "9002", "WEBREPL_MAX_SESSIONS", "20",
                "WEBREPL_ALLOWED_ORIGIN", "https://c.example,https://d.example", "WEBREPL_STRICT_ORIGIN", "false",
                "WEBREPL_LINGER", "90s"), "--config", file.toString());
        assertEquals(9002, cmd.port);
        assertEquals(20, cmd.maxSessions);
        assertEquals(List.of("https://c.example", "https://d.example"), cmd.allowedOrigins);
        assertFalse(cmd.strictOrigin);
        assertEquals(Duration.ofSeconds(90), cmd.linger);
    }

    @Test
    void flagsBeatTheEnvironmentAndTheFile() throws IOException {
        Path file = config("port=9001", "max-sessions=10", "allowed-origin=https://a.example", "strict-origin=false",
                "linger=5m");
        Map<String, String> env = Map.of("WEBREPL_PORT", "9002", "WEBREPL_MAX_SESSIONS", "20",
                "WEBREPL_ALLOWED_ORIGIN", "https://c.example", "WEBREPL_STRICT_ORIGIN", "false", "WEBREPL_LINGER", "90s");
        ServeCommand cmd = parse(env, "--config", file.toString(), "--port", "9003", "--max-sessions", "30",
                "--allowed-origin", "https://e.example", "--allowed-origin", "https://f.example", "--strict-origin",
                "--linger", "2s");
        assertEquals(9003, cmd.port);
        assertEquals(30, cmd.maxSessions);
        assertEquals(List.of("https://e.example", "https://f.example"), cmd.allowedOrigins);
        assertTrue(cmd.strictOrigin);
        assertEquals(Duration.ofSeconds(2), cmd.linger);
    }

    @Test
    void aFlagTurnsOffABooleanTheEnvironmentTurnedOn() {
        Map<String, String> env = Map.of("WEBREPL_STRICT_ORIGIN", "true");
        assertTrue(parse(env).strictOrigin);
        // The bare flag still means true (not "the opposite of the default"), and =false overrides.
        assertTrue(parse(env, "--strict-origin").strictOrigin);
        assertFalse(parse(env, "--strict-origin=false").strictOrigin);
    }

    @Test
    void anEmptyVariableIsUnset() {
        assertEquals(8266, parse(Map.of("WEBREPL_PORT", "")).port);
    }

    @Test
    void aListOnTheCommandLineMayBeCommaSeparatedToo() {
        assertEquals(List.of("a.example", "b.example:443"),
                parse(Map.of(), "--allowed-host", "a.example,b.example:443").allowedHosts);
    }

    @Test
    void thePasswordsAreNotTakenFromTheFileAndWebreplPasswordKeepsItsPlace() throws IOException {
        // $WEBREPL_PASSWORD is read when the server starts, after --password-file, not as --password's default.
        assertNull(parse(Map.of("WEBREPL_PASSWORD", "pw", "WEBREPL_VIEWER_PASSWORD", "v")).password);
        assertNull(parse(Map.of("WEBREPL_VIEWER_PASSWORD", "v")).viewerPassword);
        Path file = config("password=secret");
        assertEquals(2, execute(Map.of(), "--config", file.toString()));
        assertEquals("config file " + file + ": unknown key 'password' (not taken from a config file)",
                err.toString().lines().findFirst().orElseThrow());
    }

    @Test
    void anUnknownKeyIsAUsageErrorNamingFileAndKey() throws IOException {
        Path file = config("port=9001", "max-session=10");
        assertEquals(2, execute(Map.of(), "--config", file.toString()));
        assertEquals("config file " + file + ": unknown key 'max-session'", err.toString().lines().findFirst().orElseThrow());
    }

    @Test
    void anUnreadableFileIsAUsageErrorNamingIt() {
        Path missing = dir.resolve("missing.properties");
        assertEquals(2, execute(Map.of(), "--config", missing.toString()));
        assertEquals("cannot read config file " + missing + ": no such file",
                err.toString().lines().findFirst().orElseThrow());
    }

    @Test
    void aBadValueInTheFileNamesFileAndKey() throws IOException {
        Path file = config("max-sessions=many");
        assertEquals(2, execute(Map.of(), "--config", file.toString()));
        assertEquals(file + ": max-sessions: Invalid value for option '--max-sessions': 'many' is not an int",
                err.toString().lines().findFirst().orElseThrow());
    }

    @Test
    void aBadValueInTheEnvironmentNamesTheVariable() {
        assertEquals(2, execute(Map.of("WEBREPL_LINGER", "soon")));
        String first = err.toString().lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("$WEBREPL_LINGER: Invalid value for option '--linger': "), first);
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertEquals(2, execute(Map.of("WEBREPL_STRICT_ORIGIN", "yes")));
        first = err.toString().lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("$WEBREPL_STRICT_ORIGIN: "), first);
    }

    @Test
    void aBadFlagIsStillReportedAsBefore() {
        assertEquals(2, execute(Map.of(), "--port", "x"));
        assertEquals("Invalid value for option '--port': 'x' is not an int", err.toString().lines().findFirst().orElseThrow());
    }
}
