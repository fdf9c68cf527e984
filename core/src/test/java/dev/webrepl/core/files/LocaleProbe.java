package dev.webrepl.core.files;

import java.nio.file.Path;

/**
 * Run by {@link FileStoreLocaleTest} in a JVM of its own, whose locale is not UTF-8: makes a file store
 * at {@code args[0]} and asks it for a name with a non-ASCII character. Prints the JVM's file-name
 * charset and the status the store answered (or {@code ok}).
 */
public final class LocaleProbe {
    private LocaleProbe() {
    }

    public static void main(String[] args) throws Exception {
        FileStore store = new FileStore(Path.of(args[0]));
        String answer;
        try {
            store.mkdirs("caf\u00e9");
            answer = "ok";
        } catch (FileStoreException e) {
            answer = String.valueOf(e.status().code());
        }
        store.mkdirs("plain");
        System.out.println(System.getProperty("sun.jnu.encoding") + " " + answer + " " + store.stat("plain").kind());
    }
}
