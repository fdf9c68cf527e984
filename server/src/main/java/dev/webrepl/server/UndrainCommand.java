package dev.webrepl.server;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code webrepl undrain [ADMIN_URL]}: a drained node takes new sessions again, through its admin
 * listener's {@code POST /undrain} (README "Running several nodes").
 */
@Command(name = "undrain", mixinStandardHelpOptions = true,
        description = "Makes a drained server take new sessions again, via its admin listener.")
final class UndrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    AdminTarget target;

    @Override
    public Integer call() throws InterruptedException {
        return target.post(spec, "/undrain", 200);
    }
}
