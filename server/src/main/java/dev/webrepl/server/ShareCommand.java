package dev.webrepl.server;

import dev.webrepl.core.files.FileStatus;
import dev.webrepl.transport.client.FileTransferException;
import dev.webrepl.transport.client.ReplConnection;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code webrepl share HOST[:PORT]/session/ID}: makes, lists or revokes a session's share links, or
 * ends the session, on a server with a users file (README "Users"; SHARE, PROTOCOL.md §11). Logs in
 * with {@code -p NAME:PASSWORD} as every client command does; the request goes over a connection of
 * its own (a short-lived session of that user), naming the session by id.
 */
@Command(name = "share", mixinStandardHelpOptions = true, description = {
        "Shares a session of yours on a server with a users file: prints a link (read-write, or --view) that "
                + "another user opens and logs in to as themselves.",
        "--list prints the session's shares (TOKEN rw|view), --revoke TOKEN revokes one (its terminals are "
                + "closed), --end ends the session (its owner, or an admin for any session)."})
final class ShareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Option(names = "--view", description = "A view-only link: its holder watches and cannot type or touch files.")
    boolean view;

    @Option(names = "--list", description = "Print the session's shares instead of making one.")
    boolean list;

    @Option(names = "--revoke", paramLabel = "TOKEN", description = "Revoke this share instead of making one.")
    String revoke;

    @Option(names = "--end", description = "End the session instead of sharing it.")
    boolean end;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]/session/ID", description = "The session (its page's address "
            + "without http://; ws:// and wss:// URLs work too).")
    String target;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            int actions = (list ? 1 : 0) + (revoke != null ? 1 : 0) + (end ? 1 : 0);
            if (actions > 1 || (view && actions > 0)) {
                throw new CliFailure(CliFailure.USAGE, "--view, --list, --revoke and --end: give at most one");
            }
            RemoteTarget remote = RemoteTarget.parseSession(target);
            if (remote.path() == null && revoke == null) {
                throw new CliFailure(CliFailure.USAGE, "expected HOST[:PORT]/session/ID, got '" + target + "'");
            }
            String id = remote.path() == null ? "" : remote.path().substring("/session/".length());
            options.withConnection(remote, c -> {
                Extensions.require(c, remote, "share", List.of(Extensions.SHARE));
                try {
                    act(c, remote, id, out);
                } catch (CompletionException e) {
                    if (e.getCause() instanceof FileTransferException f && f.status() == FileStatus.NOT_FOUND) {
                        // The server does not say whether the session exists when it is not yours (README "Users").
                        throw new CliFailure(CliFailure.REMOTE_FILE, revoke != null ? "no such share of yours"
                                : "no such session of yours: " + id);
                    }
                    throw e;
                }
                return null;
            });
            out.flush();
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(spec.commandLine().getErr());
        }
    }

    /** What the options ask, on a logged-in connection. */
    private void act(ReplConnection c, RemoteTarget remote, String id, PrintWriter out) {
        if (list) {
            c.shares(id).join().forEach(out::println);
        } else if (revoke != null) {
            c.revokeShare(revoke).join();
        } else if (end) {
            c.endSession(id).join();
        } else {
            String token = c.share(id, view).join();
            boolean secure = remote.secure() || options.tls || options.caCert != null || options.tlsFingerprint != null;
            String h = remote.host().contains(":") ? "[" + remote.host() + "]" : remote.host();
            // The server takes the mode from the share; mode=view tells the page to act as a viewer.
            out.println((secure ? "https://" : "http://") + h + ":" + remote.port() + remote.path() + "?share=" + token
                    + (view ? "&mode=view" : ""));
        }
    }
}
