package io.corral.actors.container;

import io.corral.isolators.ContainerContext;
import io.corral.isolators.Isolator;
import io.corral.isolators.Phase;
import io.corral.proto.v1.ContainerStatus;
import io.corral.proto.v1.ResourceStatistics;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which {@link Isolator} phases a class implements itself rather than inheriting the
 * interface's no-op default: {@link IsolatorActor} answers the others at once, without a trip
 * through the blocking dispatcher. Computed once per class; any thread.
 */
final class ImplementedPhases {
  private ImplementedPhases() {}

  /** The phases an isolator class implements itself, rather than inheriting a no-op default. */
  private static final ClassValue<Set<Phase>> IMPLEMENTED = new ClassValue<>() {
    @Override
    protected Set<Phase> computeValue(Class<?> type) {
      Set<Phase> phases = EnumSet.noneOf(Phase.class);
      overrides(type, phases, Phase.PREPARE, "prepare", ContainerContext.class);
      overrides(type, phases, Phase.ISOLATE, "isolate", ContainerContext.class, int.class);
      overrides(type, phases, Phase.WATCH, "watch", ContainerContext.class);
      overrides(type, phases, Phase.UPDATE, "update", ContainerContext.class, java.util.List.class,
          java.util.Map.class);
      overrides(type, phases, Phase.USAGE, "usage", ContainerContext.class, ResourceStatistics.Builder.class);
      overrides(type, phases, Phase.STATUS, "status", ContainerContext.class, ContainerStatus.Builder.class);
      overrides(type, phases, Phase.CLEANUP, "cleanup", ContainerContext.class);
      return phases;
    }
  };

  private static void overrides(Class<?> type, Set<Phase> phases, Phase phase, String method,
      Class<?>... parameters) {
    try {
      if (type.getMethod(method, parameters).getDeclaringClass() != Isolator.class) {
        phases.add(phase);
      }
    } catch (NoSuchMethodException e) {
      phases.add(phase); // cannot tell: take the safe path through the blocking dispatcher
    }
  }

  static Set<Phase> of(Class<?> type) {
    return IMPLEMENTED.get(type);
  }
}
