package dev.webrepl.server;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code webrepl drain [ADMIN_URL]}: asks a running node, through its admin listener's
 * {@code POST /drain}, to take no new sessions while its sessions carry on (README "Running several
 * nodes"). The node itself exits when drained only if it was started with {@code --exit-when-drained};
 * {@code webrepl undrain} takes it back.
 */
@Command(name = "drain", mixinStandardHelpOptions = true,
        description = "Makes a running server take no new sessions (its sessions carry on), via its admin listener.")
final class DrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AdminTarget target;

    @Override
    public Integer call() throws InterruptedException {
        return target.post(spec, "/drain", 202);
    }
}
