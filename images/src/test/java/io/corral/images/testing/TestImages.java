package io.corral.images.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test images built in Java from Debian's static busybox ({@code busybox-static}), written as
 * OCI layouts that {@link Skopeo} pushes to a {@link Registry} or turns into archives.
 *
 * <p>The bottom layer is a working root: {@code /bin/busybox} and a relative symlink for each
 * applet, {@code /etc/passwd} (root, and {@code user} with uid 1000), {@code /etc/group}, the
 * mount points {@code /proc /dev /sys /tmp (1777) /app (1000:1000)}, and files the upper layer
 * deletes. The upper layer exercises what an unpacker and a backend must get right: a file
 * whiteout ({@code etc/.wh.removed-by-upper}), a directory whiteout ({@code etc/.wh.gone.d}), an
 * opaque directory ({@code etc/opq.d/.wh..wh..opq} plus a new file), and a hard link.
 */
public final class TestImages {
  public static final Path BUSYBOX = Path.of("/bin/busybox");
  public static final String USER = "1000:1000";
  public static final String WORKING_DIR = "/app";
  public static final List<String> ENTRYPOINT = List.of("/bin/sh", "-c");
  public static final List<String> CMD = List.of("echo hello $GREETING from $(pwd) as $(id -u):$(id -g)");
  public static final List<String> ENV = List.of("PATH=/usr/sbin:/usr/bin:/sbin:/bin", "GREETING=corral");

  private static List<String> applets;

  private TestImages() {}

  /** An image written into an OCI layout under a tag. */
  public record Built(OciLayout layout, String tag, OciLayout.Image image) {
    /** skopeo's name of it: {@code oci:<dir>:<tag>}. */
    public String ociName() {
      return "oci:" + layout.dir() + ":" + tag;
    }
  }

  /** The two-layer busybox image, tagged {@code tag} in a new layout at {@code dir}. */
  public static Built busybox(Path dir, String tag) throws IOException {
    OciLayout layout = new OciLayout(dir);
    OciLayout.Image image = layout.image(List.of(bottomLayer(), upperLayer()), runtimeConfig(), "amd64");
    layout.tag(image, tag);
    return new Built(layout, tag, image);
  }

  /** The bottom layer and {@code layers - 1} small layers above it, each adding {@code /layers/<i>}. */
  public static Built layered(Path dir, String tag, int layers) throws IOException {
    List<byte[]> tars = new ArrayList<>();
    tars.add(bottomLayer());
    for (int i = 1; i < layers; i++) {
      tars.add(new LayerTar().dir("layers", 0755).file("layers/" + i, 0644, "layer " + i + "\n").bytes());
    }
    OciLayout layout = new OciLayout(dir);
    OciLayout.Image image = layout.image(tars, runtimeConfig(), "amd64");
    layout.tag(image, tag);
    return new Built(layout, tag, image);
  }

  /**
   * An OCI index with an arm64/v8 image and an amd64 image (listed in that order); each has the
   * bottom layer and a layer writing its architecture into {@code /etc/arch}.
   */
  public static Built multiArch(Path dir, String tag) throws IOException {
    OciLayout layout = new OciLayout(dir);
    OciLayout.Image arm = layout.image(List.of(bottomLayer(), archLayer("arm64")), runtimeConfig(), "arm64");
    OciLayout.Image amd = layout.image(List.of(bottomLayer(), archLayer("amd64")), runtimeConfig(), "amd64");
    layout.index(List.of(arm, amd));
    layout.tagIndex(tag);
    return new Built(layout, tag, amd);
  }

  private static byte[] archLayer(String arch) {
    return new LayerTar().dir("etc", 0755).file("etc/arch", 0644, arch + "\n").bytes();
  }

  /** The runtime parameters of every test image (Docker's config keys). */
  public static ObjectNode runtimeConfig() {
    ObjectNode c = OciLayout.JSON.createObjectNode().put("User", USER).put("WorkingDir", WORKING_DIR);
    ENTRYPOINT.forEach(c.putArray("Entrypoint")::add);
    CMD.forEach(c.putArray("Cmd")::add);
    ENV.forEach(c.putArray("Env")::add);
    return c;
  }

  /** The busybox root filesystem layer. */
  public static byte[] bottomLayer() {
    LayerTar t = new LayerTar().dir("bin", 0755).copy("bin/busybox", 0755, BUSYBOX);
    for (String applet : applets()) {
      if (!applet.equals("busybox")) {
        t.symlink("bin/" + applet, "busybox");
      }
    }
    t.dir("etc", 0755)
        .file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/app:/bin/sh\n")
        .file("etc/group", 0644, "root:x:0:\nuser:x:1000:\n")
        .file("etc/removed-by-upper", 0644, "the upper layer deletes this\n")
        .dir("etc/gone.d", 0755).file("etc/gone.d/file", 0644, "gone\n")
        .dir("etc/opq.d", 0755).file("etc/opq.d/old", 0644, "hidden by the opaque upper dir\n");
    return t.dir("proc", 0555).dir("dev", 0755).dir("sys", 0555).dir("tmp", 01777).dir("root", 0700)
        .dir("app", 0755, 1000, 1000).bytes();
  }

  /** Whiteouts, an opaque directory, a new file and a hard link to it. */
  public static byte[] upperLayer() {
    return new LayerTar().dir("etc", 0755)
        .file("etc/.wh.removed-by-upper", 0644, "")
        .file("etc/.wh.gone.d", 0644, "")
        .dir("etc/opq.d", 0755)
        .file("etc/opq.d/.wh..wh..opq", 0644, "")
        .file("etc/opq.d/new", 0644, "new in the upper layer\n")
        .file("etc/motd", 0644, "welcome to corral\n")
        .hardlink("etc/motd.link", "etc/motd")
        .bytes();
  }

  /** busybox's applet names, from {@code busybox --list}. */
  public static synchronized List<String> applets() {
    if (applets == null) {
      try {
        Process p = new ProcessBuilder(BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          throw new IOException("busybox --list failed: " + out);
        }
        applets = List.of(out.trim().split("\\s+"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return applets;
  }
}
