package io.corral.http.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Mesos' local authorizer rules: the first matching rule decides, objects ANY or NONE, both entities required. */
class AclsTest {
  private static final Optional<String> OPS = Optional.of("ops");
  private static final Optional<String> GUEST = Optional.of("guest");

  @Test
  void theObjectOfAnImplicitActionAllowsWithAnyAndDeniesWithNone() {
    Acls acls = Acls.parse("{\"view_flags\":[{\"principals\":{\"values\":[\"ops\"]},\"flags\":{\"type\":\"NONE\"}},"
        + "{\"principals\":{\"type\":\"ANY\"},\"flags\":{\"type\":\"ANY\"}}],"
        + "\"access_mesos_logs\":[{\"principals\":{\"values\":[\"ops\"]},\"logs\":{\"type\":\"ANY\"}}]}");
    assertFalse(acls.approved(Action.VIEW_FLAGS, OPS), "the first matching rule denies");
    assertTrue(acls.approved(Action.VIEW_FLAGS, GUEST));
    assertTrue(acls.approved(Action.VIEW_FLAGS, Optional.empty()));
    assertTrue(acls.approved(Action.ACCESS_MESOS_LOG, OPS));
  }

  @Test
  void withoutAMatchingRulePermissiveDecides() {
    Acls strict = Acls.parse("{\"permissive\":false,"
        + "\"set_log_level\":[{\"principals\":{\"values\":[\"ops\"]},\"level\":{\"type\":\"ANY\"}}]}");
    assertTrue(strict.approved(Action.SET_LOG_LEVEL, OPS));
    assertFalse(strict.approved(Action.SET_LOG_LEVEL, GUEST));
    assertFalse(strict.approved(Action.VIEW_FLAGS, OPS));
    assertTrue(Acls.parse("{}").approved(Action.VIEW_FLAGS, GUEST));
  }

  @Test
  void aRuleWithoutItsObjectIsRefusedAsInMesos() {
    assertEquals("Failed to parse ACLs: 'view_flags[0].flags' is required",
        assertThrows(IllegalArgumentException.class,
            () -> Acls.parse("{\"view_flags\":[{\"principals\":{\"type\":\"ANY\"}}]}")).getMessage());
    assertEquals("Failed to parse ACLs: 'prune_images[1].images' is required",
        assertThrows(IllegalArgumentException.class, () -> Acls.parse("{\"prune_images\":["
            + "{\"principals\":{\"type\":\"ANY\"},\"images\":{\"type\":\"ANY\"}},"
            + "{\"principals\":{\"type\":\"ANY\"},\"users\":{\"type\":\"ANY\"}}]}")).getMessage());
  }

  @Test
  void otherMesosActionsAreAcceptedAndUnusedAndAnythingElseIsRefused() {
    assertEquals(Set.of("run_tasks"), Acls.parse("{\"run_tasks\":[]}").unusedFields());
    assertEquals("Failed to parse ACLs: unknown field 'view_flag'",
        assertThrows(IllegalArgumentException.class, () -> Acls.parse("{\"view_flag\":[]}")).getMessage());
  }
}
