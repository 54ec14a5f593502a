import { downloadableDataset } from './downloadable.js';

export default downloadableDataset({
  type: 'kmnist',
  summary: 'Kuzushiji-MNIST (cursive Japanese characters, 10 classes), 60,000 / 10,000, 28×28 (downloaded once and verified)',
  baseUrl: 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/',
  md5: {
    trainImages: 'bdb82020997e1d708af4cf47b453dcf7',
    trainLabels: 'e144d726b3acfaa3e44228e80efcd344',
    testImages: '5c965bf0a639b31b8f53240b1b52f4d7',
    testLabels: '7320c461ea6c1c855c0b718fb2a4b134',
  },
  // Sizes of the published .gz files, as their servers send them (a download is cut off past these).
  bytes: { trainImages: 18_165_135, trainLabels: 29_497, testImages: 3_041_136, testLabels: 5_120 },
  expected: { trainSize: 60000, testSize: 10000, sampleShape: [1, 28, 28], classes: 10 },
});
