package dev.webrepl.server;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code webrepl ver HOST[:PORT]}: prints the server's GET_VER reply (spec §4.5) as {@code MAJOR.MINOR.MICRO}. */
@Command(name = "ver", mixinStandardHelpOptions = true, description = "Prints a WebREPL server's version.")
final class VerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ClientOptions options;

    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "The server (port 8266 by default).")
    String target;

    @Override
    public Integer call() {
        try {
            RemoteTarget remote = RemoteTarget.parse(target, false);
            byte[] v = options.withConnection(remote, c -> c.version().join());
            spec.commandLine().getOut().printf("%d.%d.%d%n", v[0] & 0xff, v[1] & 0xff, v[2] & 0xff);
            spec.commandLine().getOut().flush();
            return 0;
        } catch (Exception e) {
            return CliFailure.of(e, target).report(spec.commandLine().getErr());
        }
    }
}
