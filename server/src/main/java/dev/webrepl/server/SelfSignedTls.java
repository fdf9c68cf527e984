package dev.webrepl.server;

import dev.webrepl.core.tls.TlsFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code serve --tls-self-signed}: a fresh EC P-256 certificate for development, made with the JDK's
 * own {@code keytool} (no crypto library), in a private temporary directory that {@link #close()}
 * deletes once the listeners have read it. Clients must be told to trust it; its SHA-256 fingerprint
 * lets a person check what a browser shows.
 */
final class SelfSignedTls implements AutoCloseable {
    private static final String ALIAS = "webrepl";
    private final Path directory;
    private final TlsFiles files;
    private final String fingerprint;

    private SelfSignedTls(Path directory, TlsFiles files, String fingerprint) {
        this.directory = directory;
        this.files = files;
        this.fingerprint = fingerprint;
    }

    /** A certificate valid for 30 days for localhost, 127.0.0.1, ::1 and {@code host} (unless a wildcard). */
    static SelfSignedTls generate(String host) throws IOException {
        Path dir = Files.createTempDirectory("webrepl-tls-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            String password = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(dir.toString().getBytes(StandardCharsets.UTF_8)));  // lives as long as the directory
            Path store = dir.resolve("self-signed.p12");
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            run(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=webrepl self-signed", "-ext", "san=" + String.join(",", subjectNames(host)),
                    "-validity", "30", "-keystore", store.toString(), "-storetype", "PKCS12",
                    "-storepass", password, "-keypass", password));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, password.toCharArray());
            }
            Key key = ks.getKey(ALIAS, password.toCharArray());
            Certificate cert = ks.getCertificate(ALIAS);
            if (!(key instanceof PrivateKey) || cert == null) {
                throw new IOException("keytool made no key entry in " + store);
            }
            Path certFile = dir.resolve("cert.pem");
            Path keyFile = dir.resolve("key.pem");
            Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
            // PrivateKey.getEncoded() of the JDK's EC keys is PKCS#8: what --tls-key takes.
            Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
            Files.delete(store);
            String fp = HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            return new SelfSignedTls(dir, new TlsFiles(certFile, keyFile), fp);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            delete(dir);
            throw e instanceof IOException io ? io : new IOException("cannot make a self-signed certificate: " + e, e);
        }
    }

    /** keytool's SAN list: localhost and the loopback addresses, plus the bind address when it names one. */
    static List<String> subjectNames(String host) {
        Set<String> names = new LinkedHashSet<>(List.of("dns:localhost", "ip:127.0.0.1", "ip:::1"));
        String h = host.toLowerCase(Locale.ROOT);
        if (!h.equals("0.0.0.0") && !h.equals("::") && !h.isEmpty()) {
            names.add(isAddress(h) ? "ip:" + h : "dns:" + h);
        }
        return new ArrayList<>(names);
    }

    private static boolean isAddress(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }

    Path directory() {
        return directory;
    }

    /** {@code CACHE/webrepl/self-signed-HEX.pem}: CACHE is $XDG_CACHE_HOME, else ~/.cache; HEX the fingerprint's first 8 bytes. */
    static Path defaultCertificateFile(String xdgCacheHome, String userHome, String fingerprint) {
        Path cache = xdgCacheHome != null && !xdgCacheHome.isEmpty() ? Path.of(xdgCacheHome) : Path.of(userHome, ".cache");
        String hex = fingerprint.replace(":", "").substring(0, 16).toLowerCase(Locale.ROOT);
        return cache.resolve("webrepl").resolve("self-signed-" + hex + ".pem");
    }

    /** Writes the certificate (public; never the key) to {@code file}, replacing it whole, creating its directory. */
    void keepCertificate(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, ".self-signed-", ".pem");
        try {
            Files.copy(files.certificateChain(), tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    TlsFiles files() {
        return files;
    }

    /** SHA-256 of the certificate, colon-separated upper-case hex, as browsers show it. */
    String fingerprint() {
        return fingerprint;
    }

    /** Deletes the key and certificate files (the listeners hold what they read). Idempotent. */
    @Override
    public void close() {
        delete(directory);
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary directory we could not remove: the OS's temp cleaner will
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException("keytool did not finish");
            }
            if (p.exitValue() != 0) {
                throw new IOException("keytool failed (exit " + p.exitValue() + "): " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool ran", e);
        } finally {
            p.destroy();
        }
    }
}
