package io.corral.isolators;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A root filesystem made from the host's static busybox for real-kernel tests: {@code /bin}
 * with busybox and a link per applet, an {@code /etc/passwd} and {@code /etc/group} with root,
 * a user {@code user} (1000:1000, also in group {@code extra} 2000) and nobody, and nothing else.
 */
public final class BusyboxRootfs {
  private static final Path BUSYBOX = Path.of("/bin/busybox");

  private BusyboxRootfs() {}

  /** Whether the host has a busybox to copy (Debian's busybox-static). */
  public static boolean available() {
    return Files.isExecutable(BUSYBOX);
  }

  /** Makes the rootfs in {@code dir} (created) and returns it. */
  public static Path create(Path dir) throws IOException, InterruptedException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Files.copy(BUSYBOX, bin.resolve("busybox"));
    Process list = new ProcessBuilder(BUSYBOX.toString(), "--list").start();
    List<String> applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        .lines().filter(a -> !a.isBlank() && !a.equals("busybox")).toList();
    list.waitFor();
    for (String applet : applets) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    Path etc = Files.createDirectories(dir.resolve("etc"));
    Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/:/bin/sh\n"
        + "user:x:1000:1000:user:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\nuser:x:1000:\nextra:x:2000:user\n"
        + "nogroup:x:65534:\n");
    return dir;
  }
}
