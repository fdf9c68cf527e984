package dev.webrepl.server;

import dev.webrepl.core.protocol.PasswordHash;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code webrepl hash-password}: reads a password (from the terminal without echo, asked twice; or
 * the first line of standard input when that is not a terminal) and prints its salted PBKDF2 hash
 * for {@code --password-file} / {@code --viewer-password-file}. The password itself is never printed.
 */
@Command(name = "hash-password", mixinStandardHelpOptions = true,
        description = {"Prints a salted PBKDF2-SHA256 hash of a password, for --password-file or --viewer-password-file.",
                "Reads the password from the terminal without echo, or the first line of standard input."})
final class HashPasswordCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    private final Console console;
    private final InputStream stdin;
    private final SecureRandom random;

    HashPasswordCommand() {
        this(System.console(), System.in, new SecureRandom());
    }

    /** Tests pass no console, their own input and their own randomness. */
    HashPasswordCommand(Console console, InputStream stdin, SecureRandom random) {
        this.console = console;
        this.stdin = stdin;
        this.random = random;
    }

    @Override
    public Integer call() throws IOException {
        char[] password = console != null ? fromConsole() : fromStdin();
        try {
            if (password == null) {
                spec.commandLine().getErr().println("hash-password: the two entries differ; nothing printed");
                return 1;
            }
            if (password.length == 0) {
                spec.commandLine().getErr().println("hash-password: empty password; nothing printed");
                return 1;
            }
            spec.commandLine().getOut().println(PasswordHash.of(password, random).format());
            spec.commandLine().getOut().flush();
            return 0;
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /** Asked twice, so a typo does not lock the owner out; null if the entries differ. */
    private char[] fromConsole() {
        char[] first = console.readPassword("Password: ");
        char[] second = console.readPassword("Again: ");
        if (first == null || second == null) {
            return new char[0];
        }
        try {
            return Arrays.equals(first, second) ? first.clone() : null;
        } finally {
            Arrays.fill(first, '\0');
            Arrays.fill(second, '\0');
        }
    }

    /** The first line of standard input, without its line ending (piped: {@code echo pw | webrepl hash-password}). */
    private char[] fromStdin() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = stdin.read(); b >= 0 && b != '\n'; b = stdin.read()) {
            line.write(b);
        }
        byte[] bytes = line.toByteArray();
        int end = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, end));
        char[] password = new char[chars.remaining()];
        chars.get(password);
        Arrays.fill(bytes, (byte) 0);
        if (chars.hasArray()) {
            Arrays.fill(chars.array(), '\0');
        }
        return password;
    }
}
