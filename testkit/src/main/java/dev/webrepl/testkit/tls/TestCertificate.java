package dev.webrepl.testkit.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, made for one test with the
 * JDK's own {@code keytool} (no test dependency on a crypto library), as the PEM files a server takes.
 *
 * <p>The files live in the directory the caller gives (a {@code @TempDir}), which owns them:
 * <ul>
 *   <li>{@link #certificate()}: the certificate, PEM ({@code -----BEGIN CERTIFICATE-----}); it is its
 *       own CA, so clients trust exactly this file;</li>
 *   <li>{@link #privateKey()}: its EC P-256 private key, PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----});</li>
 *   <li>{@link #keyStore()}: both in a PKCS12 key store with password {@link #PASSWORD}, for tools that
 *       want one.</li>
 * </ul>
 *
 * @param certificate the certificate PEM file
 * @param privateKey  the private key PEM file (PKCS#8, unencrypted)
 * @param keyStore    the PKCS12 file keytool made
 */
public record TestCertificate(Path certificate, Path privateKey, Path keyStore) {
    /** The PKCS12 store's password (a test secret, not a real one). */
    public static final String PASSWORD = "changeit";
    private static final String ALIAS = "webrepl-test";

    /**
     * Generates a fresh key pair and certificate (valid 2 days, SAN {@code dns:localhost},
     * {@code ip:127.0.0.1}) into {@code directory}: {@code test-cert.pem}, {@code test-key.pem} and
     * {@code test.p12}.
     */
    public static TestCertificate generate(Path directory) throws IOException {
        Files.createDirectories(directory);
        Path store = directory.resolve("test.p12");
        Files.deleteIfExists(store);   // keytool refuses to add the alias to an existing store
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        run(List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "san=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD), directory);
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            Key key = ks.getKey(ALIAS, PASSWORD.toCharArray());
            Certificate cert = ks.getCertificate(ALIAS);
            if (!(key instanceof PrivateKey) || cert == null) {
                throw new IOException("keytool made no key entry " + ALIAS + " in " + store);
            }
            Path certFile = directory.resolve("test-cert.pem");
            Path keyFile = directory.resolve("test-key.pem");
            // PrivateKey.getEncoded() is PKCS#8 for the JDK's EC keys: what "BEGIN PRIVATE KEY" holds.
            Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
            Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
            return new TestCertificate(certFile, keyFile, store);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the key store keytool made: " + store, e);
        }
    }

    /** A client {@link SSLContext} that trusts exactly this certificate (for {@code java.net.http.HttpClient}). */
    public SSLContext trustingContext() throws IOException {
        try (InputStream in = Files.newInputStream(certificate)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("webrepl-test", CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot trust " + certificate, e);
        }
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void run(List<String> command, Path directory) throws IOException {
        Process p = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException("keytool did not finish: " + command);
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
