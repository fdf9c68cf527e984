package dev.webrepl.loadtest.generator;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * {@code flood}: one command that makes the engine write about {@code size} bytes, and the next as
 * soon as the prompt is back (in a viewers group, once every viewer has the output too); the client
 * reads as fast as it can. A command is a request, its prompt
 * the response; the time between them is recorded.
 */
final class FloodWorker extends GatedWorker {
    private final byte[] command;
    private final int prompts;
    private final LongFunction<CompletableFuture<Void>> pace;
    /** The last few characters seen, so a prompt split across frames is still found (once). */
    private String tail = "";
    private int promptsSeen;
    private long sentAt;

    /**
     * @param pace given the bytes counted so far once a command's answer is in, completes when the next
     *             command may go (a viewers group: once every viewer has as many); null sends at once
     */
    FloodWorker(RunContext ctx, Scenario scenario, InetAddress source, CompletableFuture<Void> gate,
                LongConsumer whenDrained, LongFunction<CompletableFuture<Void>> pace) {
        super(ctx, scenario, source, gate, whenDrained);
        this.pace = pace;
        EngineHint.Flood flood = ctx.plan().engineHint().flood(ctx.plan().size());
        this.command = flood.input().getBytes(StandardCharsets.US_ASCII);
        this.prompts = flood.prompts();
    }

    @Override
    void begin() {
        send();
    }

    private void send() {
        if (!mayContinue()) {
            return;
        }
        tail = "";
        promptsSeen = 0;
        sentAt = ctx.recorder().now();
        sent();
        ctx.recorder().request(scenario, command.length);
        connection().send(command);
    }

    private synchronized void sendLocked() {
        send();
    }

    @Override
    void output(byte[] bytes, int from) {
        if (!waiting()) {
            return;
        }
        // The last few characters are kept, so a prompt split across frames is found when it completes.
        String text = tail + new String(bytes, from, bytes.length - from, StandardCharsets.ISO_8859_1);
        EngineHint hint = ctx.plan().engineHint();
        promptsSeen += prompts == 1 ? (hint.endsWithPrompt(text) ? 1 : 0) : hint.promptsEndingAfter(text, tail.length());
        tail = text.substring(Math.max(0, text.length() - 16));
        if (promptsSeen >= prompts) {
            ctx.recorder().response(scenario);
            ctx.recorder().latency(ctx.recorder().now() - sentAt);
            answered();
            if (pace == null) {
                send();
            } else {
                pace.apply(countedBytes()).whenComplete((v, e) -> ctx.scheduler().execute(this::sendLocked));
            }
        }
    }
}
