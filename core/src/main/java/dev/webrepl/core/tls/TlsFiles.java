package dev.webrepl.core.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a listener's TLS identity is (DESIGN "Security defaults": TLS from PEM files). The WebREPL
 * server and the admin listener take the same files; each builds and owns its own TLS context.
 *
 * @param certificateChain PEM certificates, the server's first, then any intermediates
 * @param privateKey       the server's private key, PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), unencrypted
 */
public record TlsFiles(Path certificateChain, Path privateKey) {
    public TlsFiles {
        Objects.requireNonNull(certificateChain, "certificateChain");
        Objects.requireNonNull(privateKey, "privateKey");
    }

    /**
     * Checks that both files can be read; the message names the one that cannot, so an operator sees
     * which flag to fix before any TLS library reports a less direct error.
     */
    public TlsFiles requireReadable() {
        requireReadable(certificateChain, "TLS certificate");
        requireReadable(privateKey, "TLS private key");
        return this;
    }

    private static void requireReadable(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(what + " file " + file + " does not exist or is not a file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(what + " file " + file + " is not readable");
        }
    }
}
