import { downloadableDataset } from './downloadable.js';

export default downloadableDataset({
  type: 'mnist',
  summary: 'MNIST handwritten digits, 60,000 / 10,000, 28×28 (downloaded once and verified)',
  baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
  md5: {
    trainImages: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    trainLabels: 'd53e105ee54ea40749a09fcbcd1e9432',
    testImages: '9fb629c4189551a2d022fa330f9573f3',
    testLabels: 'ec29112dd5afa0611ce80d1b7f02629c',
  },
  // Sizes of the published .gz files, as their servers send them (a download is cut off past these).
  bytes: { trainImages: 9_912_422, trainLabels: 28_881, testImages: 1_648_877, testLabels: 4_542 },
  expected: { trainSize: 60000, testSize: 10000, sampleShape: [1, 28, 28], classes: 10 },
});
