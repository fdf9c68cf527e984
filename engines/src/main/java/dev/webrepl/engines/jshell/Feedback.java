package dev.webrepl.engines.jshell;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.ExpressionSnippet;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.MethodSnippet;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.TypeDeclSnippet;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.VarSnippet;

/**
 * What the jshell tool prints for a snippet event in its {@code normal} feedback mode, as lines
 * without line endings. Modelled on {@code jdk.internal.jshell.tool.JShellTool}; deviations are listed
 * in the engine's report and {@link JShellEvaluator}.
 */
final class Feedback {
    private static final Pattern LINEBREAK = Pattern.compile("\\R");

    private Feedback() {
    }

    static List<String> of(JShell jshell, SnippetEvent event) {
        List<String> lines = new ArrayList<>();
        Snippet snippet = event.snippet();
        if (event.causeSnippet() != null) {
            return lines; // a side effect of another snippet (overwritten, dependents updated): quiet in normal mode
        }
        if (event.status() == Snippet.Status.REJECTED) {
            jshell.diagnostics(snippet).forEach(diag -> diagnostic(snippet.source(), diag, lines));
            return lines;
        }
        if (event.exception() != null) {
            exception(jshell, event.exception(), lines);
            return lines;
        }
        if (!event.status().isDefined()) {
            return lines;
        }
        switch (snippet.kind()) {
            case VAR -> {
                VarSnippet var = (VarSnippet) snippet;
                String value = event.value() != null ? event.value() : varValue(jshell, var);
                if (event.status() == Snippet.Status.VALID) {
                    lines.add(var.name() + " ==> " + value);
                } else {
                    lines.add("|  " + action(event) + " variable " + var.name() + unresolved(jshell, var, "referenced"));
                }
            }
            case EXPRESSION -> {
                if (event.value() != null) {
                    lines.add(((ExpressionSnippet) snippet).name() + " ==> " + event.value());
                }
            }
            case METHOD -> {
                MethodSnippet method = (MethodSnippet) snippet;
                lines.add("|  " + action(event) + " method " + method.name() + "(" + method.parameterTypes() + ")"
                        + unresolved(jshell, method, "invoked"));
            }
            case TYPE_DECL -> {
                TypeDeclSnippet type = (TypeDeclSnippet) snippet;
                lines.add("|  " + action(event) + " " + typeKind(type) + " " + type.name()
                        + unresolved(jshell, type, "used"));
            }
            default -> {
                // imports and statements print nothing
            }
        }
        return lines;
    }

    private static String action(SnippetEvent event) {
        // The tool says "replaced" for some redefinitions; we say "modified" for every one.
        return event.previousStatus().isDefined() ? "modified" : "created";
    }

    private static String unresolved(JShell jshell, DeclarationSnippet snippet, String verb) {
        List<String> missing = jshell.unresolvedDependencies(snippet).collect(Collectors.toList());
        if (missing.isEmpty()) {
            return "";
        }
        return ", however, it cannot be " + verb + " until " + String.join(", ", missing)
                + (missing.size() == 1 ? " is declared" : " are declared");
    }

    static String varValue(JShell jshell, VarSnippet var) {
        try {
            return jshell.varValue(var);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "(not-active)";
        }
    }

    static String typeKind(TypeDeclSnippet type) {
        return switch (type.subKind()) {
            case INTERFACE_SUBKIND -> "interface";
            case ENUM_SUBKIND -> "enum";
            case ANNOTATION_TYPE_SUBKIND -> "@interface";
            case RECORD_SUBKIND -> "record";
            default -> "class";
        };
    }

    /** {@code |  Exception cls: message}, then its snippet-relative frames, then any cause. */
    private static void exception(JShell jshell, JShellException exception, List<String> lines) {
        if (exception instanceof UnresolvedReferenceException unresolved) {
            DeclarationSnippet snippet = unresolved.getSnippet();
            String what = snippet instanceof MethodSnippet m
                    ? "method " + m.name() + "(" + m.parameterTypes() + ")"
                    : snippet.kind().name().toLowerCase(Locale.ROOT) + " " + snippet.name();
            lines.add("|  attempted to use " + what + unresolved(jshell, snippet, "invoked"));
            return;
        }
        String prefix = "|  Exception ";
        Throwable current = exception;
        while (current != null) {
            String className = current instanceof EvalException eval ? eval.getExceptionClassName() : current.getClass().getName();
            String message = current.getMessage();
            lines.add(prefix + className + (message == null ? "" : ": " + message));
            for (StackTraceElement frame : current.getStackTrace()) {
                lines.add("|        at " + frame(frame));
            }
            prefix = "|  Caused by: ";
            current = current.getCause();
        }
    }

    /** {@code foo (#5:1)} for a snippet frame, {@code Integer.parseInt (Integer.java:652)} otherwise. */
    private static String frame(StackTraceElement frame) {
        String className = frame.getClassName();
        String method = frame.getMethodName();
        String where = className == null || className.isEmpty()
                ? method
                : className.substring(className.lastIndexOf('.') + 1) + "." + method;
        String file = frame.getFileName() == null ? "Unknown Source" : frame.getFileName();
        String location = frame.getLineNumber() >= 0 ? file + ":" + frame.getLineNumber() : file;
        return (where.isEmpty() ? "" : where + " ") + "(" + location + ")";
    }

    /** {@code |  Error:}, the message, the source line and {@code ^--^} under the error, as the tool prints. */
    private static void diagnostic(String source, Diag diag, List<String> lines) {
        lines.add(diag.isError() ? "|  Error:" : "|  Warning:");
        for (String line : diag.getMessage(Locale.ROOT).split("\\R")) {
            if (!line.trim().startsWith("location:")) {
                lines.add("|  " + line);
            }
        }
        int start = (int) diag.getStartPosition();
        int end = (int) diag.getEndPosition();
        if (start < 0 || end < 0) {
            start = 0;
            end = source.length();
        }
        int lineStart = 0;
        int lineEnd = -2;
        Matcher m = LINEBREAK.matcher(source);
        while (m.find(lineStart)) {
            lineEnd = m.start();
            if (lineEnd >= start) {
                break;
            }
            lineStart = m.end();
        }
        if (lineEnd < lineStart) {
            lineEnd = source.length();
        }
        lines.add("|  " + source.substring(lineStart, lineEnd));
        StringBuilder marks = new StringBuilder("|  ");
        int column = start - lineStart;
        marks.append(" ".repeat(Math.max(0, column))).append('^');
        boolean multiline = end > lineEnd;
        int last = (multiline ? lineEnd : end) - lineStart - 1;
        if (last > column) {
            marks.append("-".repeat(last - column - 1)).append(multiline ? "-..." : "^");
        }
        lines.add(marks.toString());
    }
}
