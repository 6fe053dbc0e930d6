package io.corral.images.fetcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.corral.proto.v1.CommandInfo;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Mesos' URI checks: what is fetched, where it goes, and what is refused at LAUNCH. */
class FetchUrisTest {
  private static Optional<String> invalid(String value, String outputFile) {
    CommandInfo.URI.Builder uri = CommandInfo.URI.newBuilder().setValue(value);
    if (outputFile != null) {
      uri.setOutputFile(outputFile);
    }
    return FetchUris.invalid(CommandInfo.newBuilder().setValue("true").addUris(uri).build());
  }

  @Test
  void supportedUrisPass() throws FetchException {
    assertEquals(Optional.empty(), invalid("http://h/a/b.tgz", null));
    assertEquals(Optional.empty(), invalid("  https://h/b?x=1", "d/out"));
    assertEquals(Optional.empty(), invalid("file:///etc/hosts", null));
    assertEquals(Optional.empty(), invalid("/etc/hosts", null));
    assertEquals("b", FetchUris.basename("http://h/a/b?x=/y#z"));
    assertEquals(Path.of("d/out"), FetchUris.target(CommandInfo.URI.newBuilder().setValue("http://h/x")
        .setOutputFile("d/./out").build()));
  }

  @Test
  void everythingElseIsRefusedWithMesosMessage() {
    assertEquals(Optional.of("'ftp://h/x': unsupported URI scheme (Corral fetches http, https, file and absolute"
        + " paths)"), invalid("ftp://h/x", null));
    assertEquals(Optional.of("'file://x': File URI only supports absolute paths"), invalid("file://x", null));
    assertEquals(Optional.of("'http://h': Malformed URI (missing path)"), invalid("http://h", null));
    assertEquals(Optional.of("'http://h/': Malformed URI (missing path)"), invalid("http://h/", null));
    assertEquals(Optional.of("'http://h/x': URI output file must be within the sandbox directory"),
        invalid("http://h/x", "/etc/x"));
    assertEquals(Optional.of("'http://h/x': URI output file must be within the sandbox directory"),
        invalid("http://h/x", "a/../../x"));
    assertEquals(Optional.of("'rel/x': relative paths need Mesos' --frameworks_home, which Corral does not have"),
        invalid("rel/x", null));
  }
}
