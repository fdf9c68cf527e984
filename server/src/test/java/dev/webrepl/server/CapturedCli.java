package dev.webrepl.server;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import picocli.CommandLine;

/** The command lines the CLI tests run, printing into writers that the test reads back. */
final class CapturedCli {
    private CapturedCli() {
    }

    /** {@code cl} printing its output into {@code out} and its errors into {@code err}. */
    static CommandLine printingTo(CommandLine cl, StringWriter out, StringWriter err) {
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl;
    }

    /** {@code webrepl} printing its output into {@code out} and its errors into {@code err}. */
    static CommandLine webrepl(StringWriter out, StringWriter err) {
        return printingTo(WebReplMain.commandLine(), out, err);
    }

    /** {@code serve} with {@code args} parsed, not started; it prints into {@code out}, its errors to stderr. */
    static ServeCommand parseServe(StringWriter out, String... args) {
        ServeCommand cmd = new ServeCommand();
        new CommandLine(cmd).setOut(new PrintWriter(out, true)).parseArgs(args);
        return cmd;
    }

    /** {@code serve} with {@code args} parsed, not started; it prints into {@code out} and {@code err}. */
    static ServeCommand parseServe(StringWriter out, StringWriter err, String... args) {
        ServeCommand cmd = new ServeCommand();
        printingTo(new CommandLine(cmd), out, err).parseArgs(args);
        return cmd;
    }

    /**
     * {@code serve} with {@code args} parsed, not started, its other options from {@code environment}
     * and {@code --config} as {@code webrepl serve} reads them; it prints into {@code out} and {@code err}.
     */
    static ServeCommand parseServe(StringWriter out, StringWriter err, java.util.Map<String, String> environment,
            String... args) {
        ServeCommand cmd = new ServeCommand();
        ServeDefaults.install(printingTo(new CommandLine(cmd), out, err), environment).parseArgs(args);
        return cmd;
    }

    /** {@code args} followed by {@code -p password}, as a client command that logs in is typed. */
    static String[] withPassword(String password, String... args) {
        String[] all = Arrays.copyOf(args, args.length + 2);
        all[args.length] = "-p";
        all[args.length + 1] = password;
        return all;
    }
}
