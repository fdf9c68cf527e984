package dev.webrepl.server;

import dev.webrepl.server.log.LogFormat;
import dev.webrepl.server.log.LogLevel;
import dev.webrepl.server.log.LogSetup;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code webrepl} command. */
@Command(name = "webrepl", mixinStandardHelpOptions = true, versionProvider = WebReplMain.VersionProvider.class,
        description = "Hosts many concurrent REPL sessions over the MicroPython WebREPL protocol, "
                + "and talks to WebREPL servers.",
        subcommands = {ServeCommand.class, PutCommand.class, GetCommand.class, LsCommand.class, RmCommand.class,
                MkdirCommand.class, MvCommand.class, VerCommand.class, SessionsCommand.class, ReplCommand.class,
                BenchCommand.class,
                HashPasswordCommand.class, ShareCommand.class,
                DrainCommand.class, UndrainCommand.class,
                CommandLine.HelpCommand.class})
public final class WebReplMain {
    public static void main(String[] args) {
        if (args.length == 0 || !"serve".equals(args[0])) {
            // The client commands (and bench's in-process servers) say what they did themselves: their log
            // is warnings only, or a bench of 1,000 sessions would print 1,000 connection lines (README "Logs").
            LogSetup.configure(LogFormat.TEXT, List.of(LogLevel.parse("WARN")));
        }
        System.exit(commandLine().execute(args));
    }

    /** The command line, for tests that run commands in-process. */
    public static CommandLine commandLine() {
        // An option's value may be a subcommand's name: `bench --engine-hint jshell` names the engine,
        // although `bench jshell` is also a benchmark.
        CommandLine cl = new CommandLine(new WebReplMain()).setAllowSubcommandsAsOptionParameters(true)
                .setParameterExceptionHandler(WebReplMain::usageError)
                .setExecutionExceptionHandler(WebReplMain::startupFailure);
        // serve's options not given as flags: $WEBREPL_<NAME>, then its --config file (README "Configuration").
        ServeDefaults.install(cl.getSubcommands().get("serve"), System.getenv());
        return cl;
    }

    /**
     * A usage error: the error and one line that points at the command's {@code --help} (not the
     * whole help), exit status 2.
     */
    static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        java.io.PrintWriter err = cmd.getErr();
        err.println(e.getMessage());
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** A start-up mistake of {@code serve} is one line and its exit status; anything else stays a stack trace (a bug). */
    static int startupFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
        if (e instanceof StartupFailure f) {
            return f.report(cmd.getErr());
        }
        throw e;
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = WebReplMain.class.getPackage().getImplementationVersion();
            return new String[] {"webrepl " + (v == null ? "(development build)" : v)};
        }
    }
}
