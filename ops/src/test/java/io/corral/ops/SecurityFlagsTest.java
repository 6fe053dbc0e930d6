package io.corral.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.corral.http.security.HttpSecurity;
import io.corral.http.security.Realm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The security flags' defaults, the generated credentials file and the refusals at start. */
class SecurityFlagsTest {
  @TempDir Path work;

  private static SecurityFlags parse(String... args) {
    SecurityFlags flags = new SecurityFlags();
    new CommandLine(flags).parseArgs(args);
    return flags;
  }

  @Test
  void asRootReadWriteIsAuthenticatedWithGeneratedCredentialsThatAreNeverOverwritten()
      throws Exception {
    HttpSecurity security = parse().resolve(true, work, "127.0.0.1");
    assertTrue(security.requires(Realm.READWRITE));
    assertFalse(security.requires(Realm.READONLY));
    Path file = work.resolve("credentials");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    String first = Files.readString(file);
    assertTrue(first.contains("\"principal\":\"corral\""), first);
    parse().resolve(true, work, "127.0.0.1");
    assertEquals(first, Files.readString(file), "never overwritten");
    assertEquals(1, security.credentials().orElseThrow().principals().size());
  }

  @Test
  void aCredentialsFileOthersMayReadIsRefused() throws Exception {
    Path file = work.resolve("credentials");
    Files.writeString(file, "{\"credentials\":[{\"principal\":\"a\",\"secret\":\"b\"}]}");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    StartupException e = assertThrows(StartupException.class,
        () -> parse().resolve(true, work, "127.0.0.1"));
    assertTrue(e.getMessage().startsWith("Failed to use credentials file '" + file + "'"),
        e.getMessage());
  }

  @Test
  void withoutRootMesosDefaultsApply() {
    HttpSecurity security = parse().resolve(false, work, "127.0.0.1");
    assertFalse(security.requires(Realm.READWRITE));
    assertFalse(Files.exists(work.resolve("credentials")));
  }

  @Test
  void anUnauthenticatedApiOffLoopbackIsRefusedUnlessInsecure() {
    StartupException e = assertThrows(StartupException.class, () ->
        parse("--authenticate_http_readwrite=false").resolve(true, work, "0.0.0.0"));
    assertTrue(e.getMessage().contains("--insecure_http"), e.getMessage());
    assertFalse(parse("--authenticate_http_readwrite=false", "--insecure_http")
        .resolve(true, work, "0.0.0.0").requires(Realm.READWRITE));
    assertFalse(parse("--authenticate_http_readwrite=false").resolve(true, work, "::1")
        .requires(Realm.READWRITE));
  }

  @Test
  void badCredentialsAndAclsStopTheAgentNamingTheProblemButNoSecret() throws Exception {
    Path file = work.resolve("mine.json");
    Files.writeString(file, "{\"credentials\":[{\"principal\":\"a\",\"secret\":\"hunter2\"}");
    StartupException bad = assertThrows(StartupException.class,
        () -> parse("--http_credentials=" + file).resolve(true, work, "127.0.0.1"));
    assertTrue(bad.getMessage().startsWith("Failed to parse credentials: "), bad.getMessage());
    assertFalse(bad.getMessage().contains("hunter2"), bad.getMessage());
    StartupException acls = assertThrows(StartupException.class, () -> parse(
        "--acls={\"launch_standalone_container\":[]}").resolve(true, work, "127.0.0.1"));
    assertEquals("Failed to parse ACLs: unknown field 'launch_standalone_container'",
        acls.getMessage());
  }
}
