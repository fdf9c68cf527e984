package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code idle}: a session that is opened and held; it sends nothing, except for an engine whose
 * {@link EngineHint#setup() set-up line} gives it state first (JShell: one declaration, so the session
 * has something to hibernate), answered by the prompt.
 */
final class IdleWorker extends Worker {
    private final StringBuilder tail = new StringBuilder();
    private boolean settingUp;

    IdleWorker(RunContext ctx, InetAddress source) {
        super(ctx, Scenario.IDLE, source);
    }

    @Override
    void onReady() {
        String setup = ctx.plan().engineHint().setup();
        if (!setup.isEmpty() && mayContinue()) {
            settingUp = true;
            sent();
            byte[] bytes = setup.getBytes(StandardCharsets.UTF_8);
            ctx.recorder().request(scenario, bytes.length);
            connection().send(bytes);
        }
        // then held until the run stops
    }

    @Override
    void onOutput(byte[] bytes, int from) {
        if (!settingUp) {
            return;
        }
        tail.append(new String(bytes, from, bytes.length - from, StandardCharsets.ISO_8859_1));
        if (tail.length() > 64) {
            tail.delete(0, tail.length() - 64);
        }
        if (ctx.plan().engineHint().endsWithPrompt(tail)) {
            settingUp = false;
            tail.setLength(0);
            ctx.recorder().response(scenario);
            answered();
        }
    }
}
