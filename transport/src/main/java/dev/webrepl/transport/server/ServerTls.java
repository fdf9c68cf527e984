package dev.webrepl.transport.server;

import dev.webrepl.core.tls.TlsFiles;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLException;

/** Builds a server's TLS context from its PEM files; the server that asked owns the result. */
final class ServerTls {
    private ServerTls() {
    }

    /**
     * The JDK's TLS provider, so nothing native is needed and the context holds no reference-counted
     * native memory; fails with a message naming the files when they are missing or not PEM.
     */
    static SslContext context(TlsFiles files) {
        files.requireReadable();
        try {
            return SslContextBuilder.forServer(files.certificateChain().toFile(), files.privateKey().toFile())
                    .sslProvider(SslProvider.JDK)
                    .build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use TLS certificate " + files.certificateChain() + " with key "
                    + files.privateKey() + ": " + e.getMessage(), e);
        }
    }
}
