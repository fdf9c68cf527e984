package dev.webrepl.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.webrepl.core.protocol.PasswordCheck;
import dev.webrepl.transport.server.SecurityOptions;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code webrepl hash-password}, the security options of {@code serve}, and the clear-text warning. */
class SecurityCommandsTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int hashPassword(String stdin) {
        CommandLine cl = new CommandLine(new HashPasswordCommand(null,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new SecureRandom()));
        return CapturedCli.printingTo(cl, out, err).execute();
    }

    @Test
    void hashPasswordPrintsOneVerifiableLineFromStdin() {
        assertEquals(0, hashPassword("correct horse\r\nignored\n"));
        String printed = out.toString();
        assertTrue(printed.matches("pbkdf2-sha256\\$210000\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}=\n"), printed);
        assertFalse(printed.contains("correct horse"));
        PasswordCheck check = PasswordCheck.parse(printed.strip());
        assertTrue(check.matches("correct horse".getBytes(StandardCharsets.UTF_8)));
        assertFalse(check.matches("correct horse\r".getBytes(StandardCharsets.UTF_8)));
        assertEquals("", err.toString());
    }

    @Test
    void hashPasswordRefusesAnEmptyPassword() {
        assertEquals(1, hashPassword("\n"));
        assertEquals("", out.toString());
        assertEquals("hash-password: empty password; nothing printed\n", err.toString());
    }

    @Test
    void hashPasswordIsASubcommandOfWebrepl() {
        assertTrue(WebReplMain.commandLine().getSubcommands().containsKey("hash-password"));
    }

    private ServeCommand parse(String... args) {
        return CapturedCli.parseServe(out, err, args);
    }

    @Test
    void securityDefaults() {
        ServeCommand cmd = parse();
        assertEquals(SecurityOptions.DEFAULTS, cmd.securityOptions());
        assertEquals(65536, cmd.maxFrame);
    }

    @Test
    void theOfficialPagesOriginsAreAllowedUnlessStrict() {
        assertEquals(List.of("null", "file://", "http://micropython.org"), parse().securityOptions().allowedOrigins());
        assertEquals(List.of(), parse("--strict-origin").securityOptions().allowedOrigins());
        assertEquals(List.of("https://ide.example"),
                parse("--strict-origin", "--allowed-origin", "https://ide.example").securityOptions().allowedOrigins());
    }

    @Test
    void securityOptionsAreParsed() {
        SecurityOptions s = parse("--max-login-failures", "3", "--lockout", "10m", "--allowed-origin",
                "https://a.example", "--allowed-origin", "https://b.example", "--handshake-timeout", "2s",
                "--login-timeout", "20s", "--max-header-bytes", "4096", "--max-connections-per-address", "7",
                "--allowed-host", "repl.example", "--allowed-host", "ide.example:8443",
                "--max-sessions-per-address", "0")
                .securityOptions();
        assertEquals(SecurityOptions.DEFAULTS.withLoginFailures(3, Duration.ofMinutes(10))
                .withAllowedOrigins(List.of("null", "file://", "http://micropython.org", "https://a.example", "https://b.example"))
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(20))
                .withMaxHeaderBytes(4096).withMaxConnectionsPerAddress(7)
                .withAllowedHosts(List.of("repl.example", "ide.example:8443")).withMaxSessionsPerAddress(0), s);
        assertEquals(20, SecurityOptions.DEFAULTS.maxSessionsPerAddress());
        assertEquals(15, s.hardLockoutFailures(), "5 x --max-login-failures unless given");
    }

    @Test
    void theHardLockoutIsItsOwnFlagAndNeverBelowTheDelay() {
        SecurityOptions defaults = parse().securityOptions();
        assertEquals(5, defaults.maxLoginFailures());
        assertEquals(25, defaults.hardLockoutFailures());
        assertEquals(8, parse("--max-login-failures", "3", "--hard-lockout-failures", "8").securityOptions()
                .hardLockoutFailures());
        CommandLine.ParameterException low = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class,
                () -> parse("--max-login-failures", "3", "--hard-lockout-failures", "2").securityOptions());
        assertEquals("hard lockout failures must be at least max login failures (3)", low.getMessage());
    }

    @Test
    void aBadAllowedHostOrSessionLimitIsAUsageError() {
        CommandLine.ParameterException url = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, () -> parse("--allowed-host", "https://repl.example").securityOptions());
        assertEquals("not a host name or NAME:PORT: 'https://repl.example' (e.g. repl.example or repl.example:443; "
                + "an IPv6 address in brackets)", url.getMessage());
        CommandLine.ParameterException negative = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, () -> parse("--max-sessions-per-address", "-1").securityOptions());
        assertEquals("max sessions per address must be 0 (no limit) or more", negative.getMessage());
    }

    @Test
    void aHashedPasswordFileAndViewerFileAreUsed() throws Exception {
        Path main = Files.writeString(dir.resolve("pw"),
                dev.webrepl.core.protocol.PasswordHash.of("main-pw".toCharArray(), new SecureRandom()).format() + "\n");
        Path viewer = Files.writeString(dir.resolve("viewer"), "view-pw\n");
        try (MonitoredServer server = parse("--port", "0", "--no-admin", "--root", dir.resolve("root").toString(),
                "--engine", "echo", "--password-file", main.toString(), "--viewer-password-file", viewer.toString())
                .start()) {
            assertTrue(server.server().options().password().matches("main-pw".getBytes(StandardCharsets.UTF_8)));
            assertFalse(server.server().options().password().matches("view-pw".getBytes(StandardCharsets.UTF_8)));
            assertTrue(server.server().options().viewerPassword().matches("view-pw".getBytes(StandardCharsets.UTF_8)));
            assertFalse(out.toString().contains("main-pw"));
            assertFalse(out.toString().contains("pbkdf2"));
            assertEquals("", err.toString(), "no clear-text warning on loopback");
        }
    }

    @Test
    void aMalformedHashIsAUsageErrorThatDoesNotQuoteIt() throws Exception {
        Path main = Files.writeString(dir.resolve("pw"), "pbkdf2-sha256$1$c2VjcmV0$\n");
        CommandLine.ParameterException e = org.junit.jupiter.api.Assertions.assertThrows(
                CommandLine.ParameterException.class, () -> parse("--port", "0", "--no-admin",
                        "--root", dir.resolve("root").toString(), "--engine", "echo",
                        "--password-file", main.toString()).start());
        assertEquals("the password: malformed password hash: salt and hash must not be empty", e.getMessage());
    }

    @Test
    void servingBeyondLoopbackWithoutTlsIsWarnedAbout() {
        assertEquals("WARNING: serving on 0.0.0.0 without TLS: passwords and terminals cross the network in clear "
                + "text. Use --tls-cert/--tls-key, or a TLS reverse proxy with --host 127.0.0.1 (README \"Security\").",
                ServeCommand.plainTextWarning("0.0.0.0", false));
        assertTrue(ServeCommand.plainTextWarning("192.168.4.1", false).startsWith("WARNING: serving on 192.168.4.1 "));
        assertNull(ServeCommand.plainTextWarning("0.0.0.0", true));
        assertNull(ServeCommand.plainTextWarning("127.0.0.1", false));
        assertNull(ServeCommand.plainTextWarning("::1", false));
        assertNull(ServeCommand.plainTextWarning("localhost", false));
    }
}
