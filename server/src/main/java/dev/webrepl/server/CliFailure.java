package dev.webrepl.server;

import dev.webrepl.transport.client.ConnectionLostException;
import dev.webrepl.transport.client.FileTransferException;
import dev.webrepl.transport.client.LoginFailedException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.nio.file.NoSuchFileException;
import java.security.cert.CertificateException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;

/** A client command's failure as one line on stderr and an exit status. */
final class CliFailure extends Exception {
    static final int GENERAL = 1;
    static final int USAGE = 2;
    static final int ACCESS_DENIED = 3;
    static final int REMOTE_FILE = 4;
    static final int CONNECTION = 5;
    static final int LOCAL_FILE = 6;

    /** What a plain client is told when the server's port speaks TLS (issue 17 item 10). */
    static final String TLS_REQUIRED = "this server speaks TLS: use --tls, --ca-cert FILE or a wss:// address";

    private final int exitCode;

    CliFailure(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }

    /** Classifies {@code e} (futures' wrappers removed); {@code target} names the server. */
    static CliFailure of(Throwable e, String target) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof CliFailure f) {
            return f;
        }
        if (t instanceof LoginFailedException) {
            return new CliFailure(ACCESS_DENIED, target + ": access denied (wrong password)");
        }
        if (t instanceof FileTransferException f) {
            return new CliFailure(REMOTE_FILE, f.getMessage());
        }
        if (t instanceof ConnectException) {
            return new CliFailure(CONNECTION, target + ": connection refused");
        }
        if (t instanceof ConnectionLostException lost) {
            return new CliFailure(CONNECTION, target + ": " + whyLost(lost));
        }
        if (dev.webrepl.transport.client.WebReplClient.tlsRequired(t)) {
            return new CliFailure(CONNECTION, target + ": " + TLS_REQUIRED);
        }
        if (t instanceof NoSuchFileException n) {
            // A transfer into a missing directory fails on its temporary file: name the directory.
            java.nio.file.Path dir = n.getFile() == null ? null : java.nio.file.Path.of(n.getFile()).getParent();
            if (dir != null && !java.nio.file.Files.isDirectory(dir)) {
                return new CliFailure(LOCAL_FILE, "local directory not found: " + dir);
            }
            return new CliFailure(LOCAL_FILE, "local file not found: " + n.getFile());
        }
        if (t instanceof IllegalArgumentException) {
            return new CliFailure(USAGE, t.getMessage());
        }
        String message = t.getMessage() == null ? t.toString() : t.getMessage();
        return new CliFailure(GENERAL, target + ": " + message);
    }

    /** The server's close frame, an untrusted certificate or a failed TLS handshake, else "connection lost". */
    private static String whyLost(ConnectionLostException lost) {
        if (dev.webrepl.transport.client.WebReplClient.tlsRequired(lost)) {
            return TLS_REQUIRED;
        }
        if (lost.serverClose().isPresent()) {
            return "closed by the server: " + lost.serverClose().get();
        }
        SSLException tls = null;
        for (Throwable c = lost; c != null; c = c.getCause()) {
            if (c instanceof CertificateException) {
                return "the server's certificate is not trusted (" + c.getMessage() + "); for a self-signed "
                        + "certificate, pass it with --ca-cert FILE";
            }
            if (c instanceof SSLException s && tls == null) {
                tls = s;
            }
        }
        return tls != null ? "TLS handshake failed: " + tls.getMessage() : "connection lost";
    }

    /** Prints {@code webrepl: <message>} and returns the exit status. */
    int report(PrintWriter err) {
        err.println("webrepl: " + getMessage());
        err.flush();
        return exitCode;
    }
}
