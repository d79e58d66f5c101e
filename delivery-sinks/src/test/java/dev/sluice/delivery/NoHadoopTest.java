package dev.sluice.delivery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static dev.sluice.delivery.TestData.files;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that the Parquet write path loads no Hadoop class: the whole delivery path runs in a child-first class
 * loader built from the test class path without the (provided-scope) Hadoop jars, which records and refuses every
 * attempt to load an {@code org.apache.hadoop} class.
 */
class NoHadoopTest {

    @TempDir
    Path bucket;

    @Test
    void parquetWritePath_allCodecs_loadsNoHadoopClass() throws Exception {
        List<URL> urls = new ArrayList<>();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : classPath.split(File.pathSeparator)) {
            if (!entry.contains("hadoop-common") && !entry.contains("hadoop-annotations") && !entry.isBlank()) {
                urls.add(toUrl(entry));
            }
        }
        assertTrue(classPath.contains("hadoop-common"), "the test class path should hold the provided Hadoop jar");
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        try (URLClassLoader loader = new NoHadoopLoader(urls.toArray(URL[]::new), attempted)) {
            Class<?> probe = loader.loadClass(NoHadoopProbe.class.getName());
            assertEquals(loader, probe.getClassLoader());
            Object delivered = probe.getMethod("run", Path.class).invoke(null, bucket);
            assertEquals(40L, delivered);
        }
        assertEquals(Set.of(), attempted, "Hadoop classes the write path tried to load");
        assertEquals(4, files(bucket).size());
        assertFalse(files(bucket).isEmpty());
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
