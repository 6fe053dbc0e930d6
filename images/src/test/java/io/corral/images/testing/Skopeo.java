package io.corral.images.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Debian's {@code skopeo}, to push test images into a {@link Registry} or write archives. */
public final class Skopeo {
  private Skopeo() {}

  /** Manifest formats skopeo can write to a registry. */
  public enum Format { OCI, V2S2 }

  /**
   * {@code skopeo copy SRC docker://AUTHORITY/REPO:TAG} over plain HTTP, as {@code format}, with
   * {@code --all} for an index, and with {@code creds} ({@code user:pass}) if not null.
   */
  public static void push(String source, String authority, String repoTag, Format format, boolean all, String creds)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy", "copy", "--quiet",
        "--dest-tls-verify=false"));
    if (format == Format.V2S2) {
      cmd.addAll(List.of("--format", "v2s2"));
    }
    if (all) {
      cmd.add("--all");
    }
    if (creds != null) {
      cmd.add("--dest-creds=" + creds);
    }
    cmd.add(source);
    cmd.add("docker://" + authority + "/" + repoTag);
    Commands.run(120, cmd);
  }

  /**
   * Writes {@code source} as a docker-archive at {@code archive}, named {@code name} inside. It is
   * written under a plain name first: skopeo cannot parse a path with a ':' (Mesos' file names have one).
   */
  public static void toDockerArchive(String source, Path archive, String name) throws IOException {
    Path plain = archive.resolveSibling("skopeo-" + System.nanoTime() + ".tar");
    Commands.run(120, List.of("skopeo", "--insecure-policy", "copy", "--quiet", source,
        "docker-archive:" + plain + ":" + name));
    Files.move(plain, archive);
  }
}
