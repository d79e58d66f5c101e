package dev.sluice.stream.internal;

import dev.sluice.stream.HashKeyRange;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class UniformScalingPlanTest {

    private static List<HashKeyRange> even(int count) {
        List<HashKeyRange> ranges = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ranges.add(new HashKeyRange(HashKeySpace.evenSplitStart(i, count), HashKeySpace.evenSplitEnd(i, count)));
        }
        return ranges;
    }

    @Test
    void plan_fourToThree_mergesBeforeEachSplit_soNoMoreThanFourShardsAreOpen() {
        UniformScaling.Plan plan = UniformScaling.plan(even(4), 3);

        assertEquals(List.of(UniformScaling.Merge.class, UniformScaling.Split.class, UniformScaling.Merge.class,
                UniformScaling.Split.class, UniformScaling.Merge.class),
                plan.steps().stream().map(Object::getClass).toList());
        assertEquals(4, plan.peakOpen());
        assertEquals(3 + 2 * 2, plan.newShards());
        UniformScaling.Split first = assertInstanceOf(UniformScaling.Split.class, plan.steps().get(1));
        assertEquals(HashKeySpace.evenSplitStart(1, 3), first.newStartingHashKey());
    }

    @Test
    void plan_doublingAndHalving_areSplitsOrMergesOnly_andUniformIsEmpty() {
        assertEquals(4, UniformScaling.plan(even(4), 8).steps().stream()
                .filter(UniformScaling.Split.class::isInstance).count());
        assertEquals(8, UniformScaling.plan(even(4), 8).peakOpen());
        assertEquals(4, UniformScaling.plan(even(8), 4).steps().stream()
                .filter(UniformScaling.Merge.class::isInstance).count());
        assertEquals(8, UniformScaling.plan(even(8), 4).peakOpen());
        assertEquals(List.of(), UniformScaling.plan(even(7), 7).steps());
    }

    @Test
    void plan_fourToSix_neverOpensMoreThanTheTarget() {
        assertEquals(6, UniformScaling.plan(even(4), 6).peakOpen());
    }
}
