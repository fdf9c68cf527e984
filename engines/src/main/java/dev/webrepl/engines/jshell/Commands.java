package dev.webrepl.engines.jshell;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import jdk.jshell.ImportSnippet;
import jdk.jshell.JShell;
import jdk.jshell.MethodSnippet;
import jdk.jshell.PersistentSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.VarSnippet;

/**
 * The jshell tool's commands that read or change the snippets, written on the JShell API (which has
 * no commands of its own): which snippets an argument names, {@code /list}, {@code /drop} and the text
 * {@code /save} writes. Output lines are as the tool prints them in its {@code normal} feedback mode.
 */
final class Commands {
    /** {@code /help}: every command the engine knows, one line each. */
    static final List<String> HELP = List.of(
            "|  Type Java (expressions, statements, declarations) or one of these commands:",
            "|  /list [-all|-start|ID|NAME]  the snippets typed or opened (-all: every one, -start: the start-up)",
            "|  /vars                        the variables and their values",
            "|  /methods                     the methods",
            "|  /types                       the classes, interfaces, enums and records",
            "|  /imports                     the imports",
            "|  /drop ID|NAME ...            removes a variable, method, type or import",
            "|  /save [-all|-start] FILE     writes the snippets to FILE in the session's file root",
            "|  /open FILE                   runs FILE from the session's file root as if typed",
            "|  /reset                       forgets every snippet",
            "|  /exit                        ends the session",
            "|  /help                        this list");

    /** The command names, for Tab completion. */
    static final List<String> NAMES = List.of(
            "/drop", "/exit", "/help", "/imports", "/list", "/methods", "/open", "/reset", "/save", "/types", "/vars");

    private Commands() {
    }

    /**
     * The snippets {@code arg} names, in the order they were made: none given is the active ones the
     * user made, {@code -start} the start-up, {@code -all} every one (also rejected, overwritten and
     * dropped ones), else each word is a snippet id or the name of an active declaration. Null, with
     * {@code |  No such snippet: WORD} in {@code lines}, if a word names none.
     */
    static List<Snippet> select(JShellInstance instance, String arg, List<String> lines) {
        JShell jshell = instance.jshell();
        List<Snippet> all = jshell.snippets().filter(s -> !instance.warmUp(s)).toList();
        switch (arg) {
            case "" -> {
                return filter(all, s -> !JShellInstance.startUp(s) && jshell.status(s).isActive());
            }
            case "-start" -> {
                return filter(all, JShellInstance::startUp);
            }
            case "-all" -> {
                return all;
            }
            default -> {
                List<Snippet> chosen = new ArrayList<>();
                for (String word : arg.split("\\s+")) {
                    List<Snippet> named = filter(all, s -> s.id().equals(word)
                            || s instanceof PersistentSnippet p && p.name().equals(word) && jshell.status(s).isActive());
                    if (named.isEmpty()) {
                        lines.add("|  No such snippet: " + word);
                        return null;
                    }
                    named.stream().filter(s -> !chosen.contains(s)).forEach(chosen::add);
                }
                return chosen;
            }
        }
    }

    private static List<Snippet> filter(List<Snippet> snippets, Predicate<Snippet> keep) {
        return snippets.stream().filter(keep).toList();
    }

    /** {@code /list}: a blank line, then each snippet's id right-aligned in four columns and its source. */
    static void list(JShellInstance instance, String arg, List<String> lines) {
        List<Snippet> snippets = select(instance, arg, lines);
        if (snippets == null || snippets.isEmpty()) {
            return;
        }
        lines.add("");
        for (Snippet snippet : snippets) {
            lines.add(String.format("%4s : %s", snippet.id(), snippet.source().replace("\n", "\n       ")));
        }
    }

    /** {@code /drop}: removes each active declaration or import named, saying what went. */
    static void drop(JShellInstance instance, String arg, List<String> lines) {
        if (arg.isEmpty()) {
            lines.add("|  /drop needs a snippet id or name: /drop ID|NAME");
            return;
        }
        List<Snippet> snippets = select(instance, arg, lines);
        if (snippets == null) {
            return;
        }
        JShell jshell = instance.jshell();
        for (Snippet snippet : snippets) {
            if (snippet instanceof PersistentSnippet && jshell.status(snippet).isActive()) {
                jshell.drop((PersistentSnippet) snippet);
                lines.add("|  dropped " + describe(snippet));
            } else {
                lines.add("|  not an active declaration or import, cannot be dropped: " + snippet.id());
            }
        }
    }

    private static String describe(Snippet snippet) {
        if (snippet instanceof VarSnippet v) {
            return "variable " + v.name();
        }
        if (snippet instanceof MethodSnippet m) {
            return "method " + m.name() + "(" + m.parameterTypes() + ")";
        }
        if (snippet instanceof TypeDeclSnippet t) {
            return Feedback.typeKind(t) + " " + t.name();
        }
        ImportSnippet i = (ImportSnippet) snippet;
        return "import " + (i.isStatic() ? "static " : "") + i.fullname();
    }

    /** What {@code /save} writes: each snippet's source and a line feed, as the tool writes a script. */
    static String script(List<Snippet> snippets) {
        StringBuilder text = new StringBuilder();
        for (Snippet snippet : snippets) {
            text.append(snippet.source()).append('\n');
        }
        return text.toString();
    }
}
