package dev.webrepl.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.PropertiesDefaultProvider;

/**
 * Where {@code serve} options not given as flags come from (README "Configuration"): the
 * environment ({@code --max-sessions} from {@code WEBREPL_MAX_SESSIONS}), else the {@code --config}
 * file (a Java properties file, read by picocli's {@link PropertiesDefaultProvider}: the key is the
 * long option name without its dashes, {@code max-sessions=10}), else the option's built-in
 * default. Repeatable options take a comma-separated list. A value that does not convert, a key
 * that names no option and a file that cannot be read are usage errors naming the variable or the
 * file and key.
 *
 * <p>The passwords are not taken from here: {@code $WEBREPL_PASSWORD} keeps its place after
 * {@code --password-file}, and secrets belong in the {@code -file} options.
 */
final class ServeDefaults implements IDefaultValueProvider {
    static final String ENV_PREFIX = "WEBREPL_";
    static final String CONFIG_OPTION = "--config";
    /** Options that never come from the environment or the config file. */
    static final Set<String> NOT_CONFIGURABLE = Set.of(CONFIG_OPTION, "--password", "--viewer-password");

    private final Map<String, String> environment;
    // The --config file read (once per parse) and what it holds.
    private Path loadedPath;
    private Properties loaded;

    ServeDefaults(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** Installs defaults from {@code environment} and {@code --config} on {@code serve}. */
    static CommandLine install(CommandLine serve, Map<String, String> environment) {
        serve.setDefaultValueProvider(new ServeDefaults(environment));
        return serve;
    }

    /** {@code --max-sessions} to {@code max-sessions}, the config file's key. */
    static String key(OptionSpec option) {
        String name = option.longestName();
        int i = 0;
        while (i < name.length() && name.charAt(i) == '-') {
            i++;
        }
        return name.substring(i);
    }

    /** {@code --max-sessions} to {@code WEBREPL_MAX_SESSIONS}. */
    static String environmentName(OptionSpec option) {
        return ENV_PREFIX + key(option).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Whether {@code option} may come from the environment or the config file. */
    static boolean configurable(OptionSpec option) {
        return !option.usageHelp() && !option.versionHelp() && !NOT_CONFIGURABLE.contains(option.longestName());
    }

    @Override
    public String defaultValue(ArgSpec arg) throws Exception {
        if (!(arg instanceof OptionSpec option) || !configurable(option)) {
            return null;
        }
        String variable = environmentName(option);
        String value = environment.get(variable);
        if (value != null && !value.isEmpty()) {
            return checked(option, value, "$" + variable);
        }
        CommandSpec command = option.command();
        OptionSpec config = command.findOption(CONFIG_OPTION);
        Path file = config == null ? null : config.getValue();
        if (file == null) {
            return null;
        }
        Properties properties = load(command, file);
        value = new PropertiesDefaultProvider(properties).defaultValue(option);
        return value == null ? null : checked(option, value, file + ": " + key(option));
    }

    /** The file's properties, read once; an unreadable file or a key naming no option is a usage error. */
    private Properties load(CommandSpec command, Path file) {
        if (file.equals(loadedPath)) {
            return loaded;
        }
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(),
                    "cannot read config file " + file + ": " + describe(e));
        }
        Set<String> keys = new TreeSet<>();
        for (OptionSpec option : command.options()) {
            if (configurable(option)) {
                keys.add(key(option));
            }
        }
        for (String name : new TreeSet<>(properties.stringPropertyNames())) {
            if (!keys.contains(name)) {
                throw new ParameterException(command.commandLine(), "config file " + file + ": unknown key '" + name
                        + "'" + (NOT_CONFIGURABLE.contains("--" + name) ? " (not taken from a config file)" : ""));
            }
        }
        loadedPath = file;
        loaded = properties;
        return properties;
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * {@code value} if {@code option} accepts it, tried on a fresh {@code serve} without defaults;
     * else a usage error that names where it came from.
     */
    private static String checked(OptionSpec option, String value, String source) {
        try {
            new CommandLine(new ServeCommand()).parseArgs(option.longestName() + "=" + value);
        } catch (ParameterException e) {
            throw new ParameterException(option.command().commandLine(), source + ": " + e.getMessage());
        }
        return value;
    }
}
