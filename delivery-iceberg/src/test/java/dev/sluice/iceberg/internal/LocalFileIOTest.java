package dev.sluice.iceberg.internal;

import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NotFoundException;
import org.apache.iceberg.io.PositionOutputStream;
import org.apache.iceberg.io.SeekableInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalFileIOTest {

    @TempDir
    Path dir;

    private final LocalFileIO io = new LocalFileIO();

    @Test
    void writeThenRead_mixedSizesAndSeeks_returnsTheBytesAtEveryPosition() throws Exception {
        byte[] data = new byte[300_000];
        new Random(3).nextBytes(data);
        String location = dir.resolve("a/b/file.bin").toString();
        try (PositionOutputStream out = io.newOutputFile(location).create()) {
            out.write(data[0]);
            out.write(data, 1, 99);
            out.write(data, 100, 100_000);
            for (int i = 100_100; i < 100_200; i++) {
                out.write(data[i]);
            }
            out.write(data, 100_200, data.length - 100_200);
            assertEquals(data.length, out.getPos());
        }
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("a/b/file.bin")));
        assertEquals(data.length, io.newInputFile("file:" + location).getLength());

        Random random = new Random(5);
        try (SeekableInputStream in = io.newInputFile("file://" + location).newStream()) {
            for (int i = 0; i < 200; i++) {
                int position = random.nextInt(data.length);
                in.seek(position);
                assertEquals(position, in.getPos());
                assertEquals(data[position] & 0xff, in.read());
                int length = Math.min(data.length - position - 1, random.nextInt(3) == 0 ? 100_000 : 50);
                byte[] chunk = in.readNBytes(length);
                assertEquals(length, chunk.length);
                for (int j = 0; j < length; j++) {
                    assertEquals(data[position + 1 + j], chunk[j], "byte at " + (position + 1 + j));
                }
                assertEquals(position + 1 + length, in.getPos());
            }
            in.seek(data.length);
            assertEquals(-1, in.read());
        }
    }

    @Test
    void create_whenFileExists_throwsAlreadyExists_createOrOverwriteReplaces() throws Exception {
        String location = dir.resolve("m.json").toString();
        try (PositionOutputStream out = io.newOutputFile(location).create()) {
            out.write(new byte[] {1, 2, 3});
        }
        assertThrows(AlreadyExistsException.class, () -> io.newOutputFile(location).create());
        try (PositionOutputStream out = io.newOutputFile(location).createOrOverwrite()) {
            out.write(new byte[] {9});
        }
        assertArrayEquals(new byte[] {9}, Files.readAllBytes(Path.of(location)));
        io.deleteFile(location);
        assertFalse(io.newInputFile(location).exists());
        assertThrows(NotFoundException.class, () -> io.newInputFile(location).newStream());
        assertThrows(IllegalArgumentException.class, () -> io.newInputFile("relative/path"));
        assertTrue(Files.isDirectory(dir));
    }
}
