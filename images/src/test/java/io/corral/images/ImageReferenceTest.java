package io.corral.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

  private static final String DIGEST = "sha256:" + "ab".repeat(32);
  private static final URI HUB = URI.create("https://registry-1.docker.io");

  @ParameterizedTest(name = "{0}")
  @CsvSource(nullValues = "-", value = {
      "busybox,                          -,                   busybox,            -",
      "busybox:1.36,                     -,                   busybox,            1.36",
      "library/busybox:latest,           -,                   library/busybox,    latest",
      "corral/tools/sh:v1_2-x,           -,                   corral/tools/sh,    v1_2-x",
      "localhost/busybox,                localhost,           busybox,            -",
      "localhost:5000/busybox:t,         localhost:5000,      busybox,            t",
      "127.0.0.1:5000/a/b,               127.0.0.1:5000,      a/b,                -",
      "registry.example.com/a/b:c,       registry.example.com, a/b,               c",
      "quay.io/coreos/etcd:v3.5.0,       quay.io,             coreos/etcd,        v3.5.0",
      "my-registry:443/x,                my-registry:443,     x,                  -",
      "[::1]:5000/x:y,                   [::1]:5000,          x,                  y",
      "a.b-c/e,                          a.b-c,               e,                  -",
      "ab__cd/e-f.g,                     -,                   ab__cd/e-f.g,       -",
      "a--b/c,                           -,                   a--b/c,             -",
      "docker.io/busybox,                docker.io,           busybox,            -",
  })
  void parsesNames(String name, String registry, String repository, String tag) {
    ImageReference ref = ImageReference.parse(name);
    assertEquals(registry, ref.registry());
    assertEquals(repository, ref.repository());
    assertEquals(tag, ref.tag());
    assertNull(ref.digest());
    assertEquals(name, ref.toString(), "Mesos' form gives the name back");
  }

  @Test
  void parsesDigests() {
    ImageReference ref = ImageReference.parse("localhost:5000/busybox@" + DIGEST);
    assertEquals("localhost:5000", ref.registry());
    assertEquals("busybox", ref.repository());
    assertNull(ref.tag());
    assertEquals(DIGEST, ref.digest());
    assertEquals(DIGEST, ref.manifestReference());

    ImageReference both = ImageReference.parse("busybox:1.36@" + DIGEST);
    assertEquals("1.36", both.tag());
    assertEquals(DIGEST, both.manifestReference(), "the digest wins over the tag");
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @CsvSource(delimiter = '|', value = {
      "''|empty name",
      "Busybox|must be lowercase",
      "busybox:|invalid tag ''",
      "busybox:-x|invalid tag '-x'",
      "busybox:a/b|invalid registry port 'a'",
      "busybox@sha256:abc|invalid digest",
      "busybox@md5:" + "00000000000000000000000000000000|unsupported digest algorithm",
      "a@b@c|multiple '@' symbols found",
      "/busybox|invalid repository component ''",
      "busybox/|invalid repository component ''",
      "a//b|invalid repository component ''",
      "-busybox|invalid repository component '-busybox'",
      "bus_ybox_|invalid repository component",
      "bus___ybox|invalid repository component",
      "localhost:0/x|invalid registry port '0'",
      "localhost:99999/x|invalid registry port '99999'",
      "local_host.x/x|invalid registry host 'local_host.x'",
      "a b|invalid repository component 'a b'",
      "localhost:5000/|empty repository",
      "busybox:" + "tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
          + "ttttttttttttttttttttttttttttttttttttt|invalid tag",
  })
  void refusesInvalidNames(String name, String cause) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(name));
    assertTrue(e.getMessage().startsWith("Failed to parse image reference '" + name + "': "), e.getMessage());
    assertTrue(e.getMessage().contains(cause), e.getMessage());
  }

  @Test
  void refusesOverlongRepository() {
    String name = "a/".repeat(128) + "b";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(name));
    assertTrue(e.getMessage().contains("longer than 255"), e.getMessage());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "busybox,                         registry-1.docker.io/library/busybox:latest",
      "busybox:1.36,                    registry-1.docker.io/library/busybox:1.36",
      "corral/sh,                       registry-1.docker.io/corral/sh:latest",
      "docker.io/busybox,               registry-1.docker.io/library/busybox:latest",
      "index.docker.io/library/busybox, registry-1.docker.io/library/busybox:latest",
      "registry-1.docker.io/busybox:1,  registry-1.docker.io/library/busybox:1",
      "docker.io/corral/sh,             registry-1.docker.io/corral/sh:latest",
      "mydocker.io.example.com/sh,      mydocker.io.example.com/sh:latest",
      "localhost:5000/busybox,          localhost:5000/busybox:latest",
      "quay.io/coreos/etcd:v3.5.0,      quay.io/coreos/etcd:v3.5.0",
  })
  void normalizesForDockerHub(String name, String normalized) {
    assertEquals(normalized, ImageReference.parse(name).normalize(HUB).toString());
  }

  @Test
  void normalizesForAnotherDefaultRegistry() {
    URI local = URI.create("http://127.0.0.1:5055");
    assertEquals("127.0.0.1:5055/busybox:latest", ImageReference.parse("busybox").normalize(local).toString());
    assertEquals("127.0.0.1:5055/busybox@" + DIGEST,
        ImageReference.parse("busybox@" + DIGEST).normalize(local).toString(), "no tag is added to a digest");
    assertEquals("busybox:latest", ImageReference.parse("busybox").normalize(null).toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"busybox", "a/b/c:d", "localhost:1/x@" + "sha256:"
      + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
  void normalizingTwiceChangesNothing(String name) {
    ImageReference once = ImageReference.parse(name).normalize(HUB);
    assertEquals(once, once.normalize(URI.create("http://elsewhere:1")));
    assertEquals(once, ImageReference.parse(once.toString()));
  }
}
