package org.diffrep.training.train;

import org.bytedeco.javacpp.Pointer;
import org.diffrep.common.UserInputException;
import org.diffrep.model.runtime.MemoryNeed;
import org.diffrep.model.runtime.TrainingStep;
import org.diffrep.training.graph.ClassifierGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

import static org.diffrep.common.util.ByteSizes.human;

/**
 * What a head's training step holds in memory, measured before the run: one step each on
 * {@value #SMALL} and {@value #LARGE} zero images ({@link TrainingStep#measure}) give the bytes per
 * image, from which the step at the run's batch follows. A batch that cannot fit is refused in
 * seconds, with the largest that does, instead of stopping at the resident-set cap after the
 * feature extraction. The measurement counts the arrays the graph runner allocates, not the scratch
 * space inside ops, so it errs low: a refusal is never a false alarm.
 */
public final class StepMemory {

    private static final Logger log = LoggerFactory.getLogger(StepMemory.class);
    static final int SMALL = 1;
    static final int LARGE = 2;
    /** What the classification trainers read from a step besides the gradients. */
    public static final List<String> CLASSIFIER_OUTPUTS = List.of(ClassifierGraph.LOSS, ClassifierGraph.LOGITS);

    private StepMemory() {}

    /** Measures a classification head's training step on {@value #SMALL} and {@value #LARGE} images (builds its backward graph). */
    public static TrainingStep.Memory measure(ClassifierGraph graph) {
        return measure(graph, graph::zeroBatch, CLASSIFIER_OUTPUTS);
    }

    /**
     * Measures {@code graph}'s training step (the {@code outputs} its trainer reads, the gradients
     * of its trainable arrays) on {@value #SMALL} and {@value #LARGE} images.
     *
     * @param zeroBatch the graph's inputs for a batch of that many images
     */
    public static TrainingStep.Memory measure(CheckpointedGraph graph, IntFunction<Map<String, INDArray>> zeroBatch, List<String> outputs) {
        TrainingStep.prepare(graph.sameDiff(), graph.trainableNames());
        long small = TrainingStep.measure(graph.sameDiff(), zeroBatch.apply(SMALL), outputs, graph.trainableNames()).peakBytes();
        long large = TrainingStep.measure(graph.sameDiff(), zeroBatch.apply(LARGE), outputs, graph.trainableNames()).peakBytes();
        return TrainingStep.Memory.fit(SMALL, small, LARGE, large);
    }

    /**
     * Refuses a {@code batch} whose training step of a classification head, on top of what this
     * process holds now, does not fit its resident-set limit ({@link MemoryNeed.Limits#ofThisProcess()}).
     *
     * @param toLower the options besides --batch that make a step smaller, for the message
     */
    public static void requireFits(ClassifierGraph graph, int batch, String toLower) {
        requireFits("the " + graph.head().kind() + " head", graph, graph::zeroBatch, CLASSIFIER_OUTPUTS, batch, toLower);
    }

    /**
     * As {@link #requireFits(ClassifierGraph, int, String)} for any training graph ({@code what}:
     * "the upernet head", for the message; {@code outputs}: what its trainer reads besides gradients).
     */
    public static void requireFits(String what, CheckpointedGraph graph, IntFunction<Map<String, INDArray>> zeroBatch, List<String> outputs,
                                   int batch, String toLower) {
        requireFits(what, graph, zeroBatch, outputs, batch, toLower, MemoryNeed.Limits.ofThisProcess(), Pointer.physicalBytes());
    }

    /** As {@link #requireFits(String, CheckpointedGraph, IntFunction, List, int, String)} for given limits and bytes already in use. */
    static void requireFits(String what, CheckpointedGraph graph, IntFunction<Map<String, INDArray>> zeroBatch, List<String> outputs, int batch,
                            String toLower, MemoryNeed.Limits limits, long inUse) {
        String step = String.format(Locale.ROOT, "a training step of %s at batch %d", what, batch);
        TrainingStep.Memory memory;
        try {
            memory = measure(graph, zeroBatch, outputs);
        } catch (OutOfMemoryError e) {
            throw new UserInputException(step + " does not fit in memory even for " + LARGE + " images (" + e.getMessage() + "): lower " + toLower);
        }
        long need = memory.at(batch);
        String described = String.format(Locale.ROOT, "%s (%s + %s per image, measured on %d and %d images, on top of the %s this process holds)",
                step, human(memory.fixedBytes()), human(memory.bytesPerImage()), SMALL, LARGE, human(inUse));
        log.info("{} holds about {}{}", step, human(need), described.substring(step.length()));
        long fits = memory.largestBatchWithin(limits.residentBytes() - inUse);
        String lower = fits >= 1 && fits < batch ? "--batch (at most " + fits + " fits), " + toLower : "--batch, " + toLower;
        new MemoryNeed(described, 0, MemoryNeed.sum(inUse, need), 0).requireFits(limits, lower);
    }
}
