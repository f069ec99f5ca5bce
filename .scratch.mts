import * as tf from '@tensorflow/tfjs'
await tf.setBackend('cpu')
import { saveTinyUnet } from './test/helpers/tinyModel.ts'
await saveTinyUnet('/tmp/tl-model')
