package org.diffrep.datasets;

import java.io.DataInputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataIndex;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DataVec {@code RecordReader} over one split, for code built on DataVec's own iterators
 * (e.g. {@code RecordReaderDataSetIterator(reader, batch, 1, numClasses)}). Each record is
 * [image NDArray [1, C, S, S], label] for classification and [image, label map [1, 1, S, S]] for
 * segmentation (a segmentation evaluation record: the image as {@link SegmentationOptions} resizes it,
 * the label map at the annotation's resolution). It decodes on the calling thread; {@link ImageBatchIterator} is the multi-threaded
 * path. Unreadable images are skipped and recorded in {@link #report()}.
 */
public final class SampleRecordReader extends org.datavec.api.records.reader.BaseRecordReader {
    private static final long serialVersionUID = 1L;

    private final transient ImageDataset dataset;
    private final transient List<Sample> samples;
    private final transient SampleLoader loader;
    private final transient LoaderOptions options;
    private final transient LoadReport report;
    private int cursor;
    private int epoch;
    private transient Record lookahead;
    private transient Configuration conf;

    public SampleRecordReader(ImageDataset dataset, String split, LoaderOptions options) {
        this.dataset = dataset;
        this.samples = dataset.samples(split);
        this.options = options;
        this.loader = new SampleLoader(dataset, split, options);
        this.report = new LoadReport(dataset.name(), split, samples.size(), options.maxBadFraction());
    }

    public LoadReport report() {
        return report;
    }

    /** The samples come from the dataset root given to the constructor, not from an InputSplit. */
    @Override
    public void initialize(InputSplit split) {
        throw new UnsupportedOperationException("SampleRecordReader reads the split given to its constructor");
    }

    @Override
    public void initialize(Configuration conf, InputSplit split) {
        initialize(split);
    }

    @Override
    public boolean hasNext() {
        while (lookahead == null && cursor < samples.size()) {
            lookahead = load(cursor++);
        }
        return lookahead != null;
    }

    @Override
    public List<Writable> next() {
        return nextRecord().getRecord();
    }

    @Override
    public Record nextRecord() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Record r = lookahead;
        lookahead = null;
        return r;
    }

    /** Null for an unreadable sample, which is recorded and skipped. */
    private Record load(int index) {
        Sample s = samples.get(index);
        LoadedSample loaded;
        try {
            long seed = options.seed() * 1_000_003L + epoch * 7_919L + index;
            loaded = loader.load(s, new SplittableRandom(seed));
        } catch (UnreadableImageException e) {
            report.record(e.path(), e.reason());
            return null;
        }
        List<Writable> record = new ArrayList<>(2);
        record.add(new NDArrayWritable(Nd4j.create(loaded.pixels(), new long[] {1, options.channels(), loaded.height(), loaded.width()}, 'c')));
        if (loaded.labelMap() != null) {
            float[] map = new float[loaded.labelMap().length];
            for (int i = 0; i < map.length; i++) {
                map[i] = loaded.labelMap()[i];
            }
            record.add(new NDArrayWritable(Nd4j.create(map, new long[] {1, 1, loaded.labelHeight(), loaded.labelWidth()}, 'c')));
        } else {
            record.add(new IntWritable(loaded.label()));
        }
        URI uri = s.image() != null ? s.image().toUri() : URI.create("memory:" + dataset.name() + "/" + s.id());
        return new org.datavec.api.records.impl.Record(record, new RecordMetaDataIndex(index, uri, SampleRecordReader.class));
    }

    @Override
    public List<String> getLabels() {
        return dataset.classNames();
    }

    /** Rewinds; flips of the next pass differ (a new epoch), the order stays the split's order. */
    @Override
    public void reset() {
        cursor = 0;
        epoch++;
        lookahead = null;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public List<Writable> record(URI uri, DataInputStream dataInputStream) {
        throw new UnsupportedOperationException("records are addressed by sample index, see loadFromMetaData");
    }

    @Override
    public Record loadFromMetaData(RecordMetaData recordMetaData) {
        int index = (int) ((RecordMetaDataIndex) recordMetaData).getIndex();
        Record r = load(index);
        if (r == null) {
            throw new IllegalStateException(samples.get(index).id() + " is unreadable: see report()");
        }
        return r;
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> list) {
        List<Record> out = new ArrayList<>(list.size());
        for (RecordMetaData m : list) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    @Override
    public void close() {
        lookahead = null;
    }

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }
}
