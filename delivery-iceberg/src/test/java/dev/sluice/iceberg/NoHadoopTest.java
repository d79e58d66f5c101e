package dev.sluice.iceberg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that writing data files and committing them to an Iceberg table (embedded catalog, table creation,
 * partitioning, every codec) loads no Hadoop class: the whole path runs in a child-first class loader built from the
 * test class path without the (test-scope) Hadoop jars, which records and refuses every {@code org.apache.hadoop}
 * class. Iceberg's own {@code org.apache.iceberg.hadoop} package is not Hadoop and is allowed.
 */
class NoHadoopTest {

    @TempDir
    Path work;

    @Test
    void icebergWriteAndCommitPath_allCodecs_loadsNoHadoopClass() throws Exception {
        List<URL> urls = new ArrayList<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int dropped = 0;
        for (String entry : classPath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            if (entry.contains("/org/apache/hadoop/")) {
                dropped++;
            } else {
                urls.add(toUrl(entry));
            }
        }
        assertTrue(dropped >= 2, "the test class path should hold Hadoop jars (for Iceberg's reader): " + dropped);
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        try (URLClassLoader loader = new NoHadoopLoader(urls.toArray(URL[]::new), attempted)) {
            Class<?> probe = loader.loadClass(NoHadoopProbe.class.getName());
            assertEquals(loader, probe.getClassLoader());
            Object delivered = probe.getMethod("run", Path.class).invoke(null, work);
            assertEquals(40L, delivered);
        }
        assertEquals(Set.of(), attempted, "Hadoop classes the write path tried to load");
        MetadataWalk walk = MetadataWalk.of(work.resolve("warehouse"), "web", "clicks");
        assertEquals(40, walk.totalRecords());
        assertEquals(4, walk.snapshotSummaries().size());
        assertEquals(Map.of("eu/1", 10L), IcebergUpsertTest.walkedRows(
                MetadataWalk.of(work.resolve("warehouse"), "shop", "orders")));
    }

    private static URL toUrl(String entry) {
        try {
            return new File(entry).toURI().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Child-first for everything but the JDK; refuses and records org.apache.hadoop classes. */
    private static final class NoHadoopLoader extends URLClassLoader {

        private final Set<String> attempted;

        NoHadoopLoader(URL[] urls, Set<String> attempted) {
            super(urls, ClassLoader.getPlatformClassLoader());
            this.attempted = attempted;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("org.apache.hadoop.")) {
                attempted.add(name);
                throw new ClassNotFoundException(name + " (Hadoop is not allowed on the write path)");
            }
            return super.loadClass(name, resolve);
        }
    }
}
