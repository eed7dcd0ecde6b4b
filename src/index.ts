/** c3d: the C3D video network (Tran et al., ICCV 2015) on Node.js. */
export * from './tensor/index.js';
