import { downloadableDataset } from './downloadable.js';

export default downloadableDataset({
  type: 'fashion-mnist',
  summary: "Zalando's Fashion-MNIST, 60,000 / 10,000, 28×28; found in /usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist) or downloaded",
  baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  md5: {
    trainImages: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    trainLabels: '25c81989df183df01b3e8a0aad5dffbe',
    testImages: 'bef4ecab320f06d8554ea6380940ec79',
    testLabels: 'bb300cfdad3c16e7a12a480ee83cd310',
  },
  // Sizes of the published .gz files, as their servers send them (a download is cut off past these).
  bytes: { trainImages: 26_421_880, trainLabels: 29_515, testImages: 4_422_102, testLabels: 5_148 },
  // Debian recompresses the files, so they are checked by structure instead of checksum.
  systemDirs: ['/usr/share/datasets/fashion-mnist'],
  expected: { trainSize: 60000, testSize: 10000, sampleShape: [1, 28, 28], classes: 10 },
});
