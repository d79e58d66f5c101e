package dev.sluice.server.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Deletes directory trees the server made: a channel's state, a server's temporary directory. */
final class DirectoryTrees {

    private DirectoryTrees() {
    }

    /**
     * Deletes {@code root} and everything under it; nothing when it does not exist.
     *
     * @param root the tree
     * @throws UncheckedIOException naming the tree when a part of it cannot be deleted
     */
    static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
