import { describe, expect, it } from 'vitest';
import { parseDemoIndex } from './demo-index';

describe('demo index', () => {
  it('reads the train-demo index format, default first', () => {
    const demos = parseDemoIndex({
      default: 'fmnist-resnet14',
      models: [
        { name: 'fmnist-vgg', title: 'VGG', file: 'fmnist-vgg.onnx', card: 'fmnist-vgg.card.json' },
        { name: 'fmnist-resnet14', title: 'ResNet-14', file: 'fmnist-resnet14.onnx', card: 'fmnist-resnet14.card.json' },
      ],
    });
    expect(demos.map((d) => d.name)).toEqual(['fmnist-resnet14', 'fmnist-vgg']);
    expect(demos[0]!.modelUrl).toMatch(/models\/fmnist-resnet14\.onnx$/);
    expect(demos[0]!.cardUrl).toMatch(/models\/fmnist-resnet14\.card\.json$/);
  });

  it('accepts bare name lists and ignores junk', () => {
    expect(parseDemoIndex(['a']).map((d) => d.cardUrl)).toEqual([expect.stringMatching(/models\/a\.card\.json$/)]);
    expect(parseDemoIndex(null)).toEqual([]);
    expect(parseDemoIndex({ models: [{}] })).toEqual([]);
  });
});
