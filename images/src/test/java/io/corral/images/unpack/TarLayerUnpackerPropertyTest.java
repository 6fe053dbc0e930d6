package io.corral.images.unpack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.posix.FileNodes;
import io.corral.posix.testing.SeededTries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random layers of directories, files, symbolic links (to the outside, up, to the root) and hard
 * links, with names that may hold {@code ..}, {@code .}, empty components and a leading slash:
 * whatever the layer, nothing outside its directory changes, a refused layer leaves its directory
 * empty, and a name with a {@code ..} component is always refused. Runs as any user.
 */
class TarLayerUnpackerPropertyTest {
  private static final String[] COMPONENTS = {"a", "b", "l", "..", ".", ""};
  @TempDir
  Path temp;
  private final AtomicInteger tries = new AtomicInteger();
  private final AtomicInteger unpacked = new AtomicInteger();
  private final TarLayerUnpacker unpacker = new TarLayerUnpacker(FileNodes.nativeDefault(), WhiteoutFormat.COPY);

  /** One entry: its kind (d, f, s, h), name and link target. */
  record Op(char kind, String name, String target) {
    @Override
    public String toString() {
      return kind + ":" + name + (target.isEmpty() ? "" : "->" + target);
    }
  }

  @Test
  void noLayerWritesOutsideItsDirectory() {
    SeededTries.forAll(20_261_206L, 300, List.of(
        List.of(new Op('s', "l", "/"), new Op('f', "l/etc/passwd", "")),
        List.of(new Op('d', "a", ""), new Op('s', "a/l", "../.."), new Op('d', "a/l/b", "")),
        List.of(new Op('f', "a", ""), new Op('h', "b", "/a"), new Op('f', "b", ""))),
        this::layer, this::check);
    assertTrue(unpacked.get() > 30, "enough layers were accepted to mean something: " + unpacked);
  }

  private List<Op> layer(Random random) {
    List<Op> ops = new ArrayList<>();
    for (int i = random.nextInt(8) + 1; i > 0; i--) {
      char kind = "dfsh".charAt(random.nextInt(4));
      String target = switch (kind) {
        case 's' -> List.of("OUTSIDE", "../..", "/", "a", "..").get(random.nextInt(5));
        case 'h' -> name(random);
        default -> "";
      };
      String name = name(random);
      if (kind != 'd' && (name.isEmpty() || name.endsWith("/"))) {
        name += "x"; // a tar name ending in '/' is a directory
      }
      ops.add(new Op(kind, name, target));
    }
    return ops;
  }

  private static String name(Random random) {
    StringBuilder name = new StringBuilder(random.nextInt(4) == 0 ? "/" : "");
    for (int depth = random.nextInt(3) + 1; depth > 0; depth--) {
      name.append(COMPONENTS[random.nextInt(COMPONENTS.length)]).append(depth > 1 ? "/" : "");
    }
    return name.toString();
  }

  private void check(List<Op> ops) throws IOException {
    Path root = Files.createDirectories(temp.resolve("try-" + tries.incrementAndGet()));
    Path outside = Files.createDirectories(root.resolve("outside"));
    Path sentinel = Files.writeString(outside.resolve("sentinel"), "keep");
    Path layer = Files.createDirectories(root.resolve("store/layer"));
    int uid = (Integer) Files.getAttribute(root, "unix:uid");
    int gid = (Integer) Files.getAttribute(root, "unix:gid");
    TarBuilder tar = new TarBuilder(uid, gid);
    for (Op op : ops) {
      switch (op.kind()) {
        case 'd' -> tar.dir(op.name() + "/");
        case 'f' -> tar.file(op.name(), "overwritten");
        case 's' -> tar.symlink(op.name(), op.target().equals("OUTSIDE") ? outside.toString() : op.target());
        default -> tar.hardLink(op.name(), op.target());
      }
    }
    Path blob = tar.write(root.resolve("blob"), false);
    boolean unpacked;
    try {
      unpacker.unpack(blob, layer);
      unpacked = true;
      this.unpacked.incrementAndGet();
    } catch (IOException e) {
      unpacked = false;
      assertEquals(List.of(), list(layer), "a refused layer leaves nothing");
    }
    assertEquals("keep", Files.readString(sentinel));
    assertEquals(1, Files.getAttribute(sentinel, "unix:nlink"), "no hard link to the outside");
    assertEquals(List.of("sentinel"), list(outside));
    assertEquals(List.of("blob", "outside", "store"), list(root));
    assertEquals(List.of("layer"), list(root.resolve("store")));
    if (ops.stream().anyMatch(op -> hasDotDot(op.name()))) {
      assertFalse(unpacked, "a name with '..' is refused");
    }
    assertTrue(Files.isDirectory(layer));
  }

  private static boolean hasDotDot(String name) {
    return List.of(name.split("/")).contains("..");
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> children = Files.list(dir)) {
      return children.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
